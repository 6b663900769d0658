using System.Collections.Concurrent;
using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace;
using Uga.Loop.Workspace.Store;
using Uga.Slides;

namespace Uga.Server;

/// <summary>
/// The server's way into the workspace. The store is opened per request (a connection is not thread-safe, and
/// background jobs change the store from other processes); slides and artifacts, which are read-only and safe to
/// read from several threads, stay open and are reopened when their file changes.
/// </summary>
public sealed class WorkspaceAccess(string root) : IDisposable
{
    private readonly ConcurrentDictionary<string, (string Hash, Slide Slide)> slides = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Written, PredictionArtifact Artifact)> artifacts = new(StringComparer.Ordinal);
    private readonly object opening = new();
    private (DateTime Read, IReadOnlyList<SlideRecord> Slides) slideList = (DateTime.MinValue, []);

    /// <summary>How long the slide list is reused before the store is asked again (a tile request must not open the store).</summary>
    public static readonly TimeSpan SlideListAge = TimeSpan.FromSeconds(2);

    public string Root { get; } = Path.GetFullPath(root);

    public LoopWorkspace Open() => LoopWorkspace.Open(Root);

    /// <summary>The registered slide <paramref name="id"/> (never a path: ids are what requests may name).</summary>
    public (SlideRecord Record, Slide Slide) Slide(string id)
    {
        var record = Slides().FirstOrDefault(s => s.Id == id) ?? throw new KeyNotFoundException($"no slide '{id}' in the workspace");
        lock (opening)
        {
            if (slides.TryGetValue(id, out var open) && open.Hash == record.ContentHash) return (record, open.Slide);
            var slide = SlideFactory.Open(record.Path, record.SpacingUm);
            if (slides.TryGetValue(id, out var stale)) stale.Slide.Dispose();
            slides[id] = (record.ContentHash, slide);
            return (record, slide);
        }
    }

    /// <summary>The registered slides, as of at most <see cref="SlideListAge"/> ago.</summary>
    public IReadOnlyList<SlideRecord> Slides()
    {
        lock (opening)
        {
            if (DateTime.UtcNow - slideList.Read < SlideListAge) return slideList.Slides;
        }
        using var ws = Open();
        var slides = ws.Store.Slides();
        lock (opening) slideList = (DateTime.UtcNow, slides);
        return slides;
    }

    /// <summary>The slide's current prediction artifact, or null when it has none yet.</summary>
    public PredictionArtifact? Artifact(string slideId)
    {
        var path = PredictionArtifact.PathFor(LoopWorkspace.ArtifactsDirOf(Root), slideId);
        var group = Path.Combine(path, PredictionArtifact.GroupFile);
        if (!File.Exists(group)) return null;
        var written = File.GetLastWriteTimeUtc(group);
        lock (opening)
        {
            if (artifacts.TryGetValue(slideId, out var open) && open.Written == written) return open.Artifact;
            var artifact = PredictionArtifact.Open(path);
            artifacts[slideId] = (written, artifact);
            return artifact;
        }
    }

    /// <summary>The reference label slide beside a slide (STEM.labels.tif, as `uga data phantom` and montages write), if any.</summary>
    public static string? ReferenceLabels(SlideRecord slide)
    {
        var path = Path.Combine(Path.GetDirectoryName(slide.Path) ?? ".", slide.Id + ".labels.tif");
        return File.Exists(path) ? path : null;
    }

    public void Dispose()
    {
        foreach (var (_, s) in slides.Values) s.Dispose();
        slides.Clear();
    }
}

/// <summary>A request named something the workspace does not have (404), or asked for something malformed (400).</summary>
public sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static RequestException BadRequest(string message) => new(400, message);
}
