using System.Collections.Concurrent;
using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace.Store;
using Uga.Slides;

namespace Uga.Server;

public sealed record VersionView(string Id, string? Parent, string How, int Steps, int PatchCount, IReadOnlyList<string> TrainedOnRounds, DateTimeOffset CreatedAt);

public sealed record RoundView(string Id, string RankedBy, DateTimeOffset CreatedAt, int Candidates, int Annotated, int Skipped);

/// <summary>Dice of a version's prediction of one slide against the slide's reference label slide, per class and mean over foreground classes.</summary>
public sealed record DiceView(string Slide, string Version, IReadOnlyDictionary<string, double> PerClass, double MeanForeground);

public sealed record HistoryView(string Current, IReadOnlyList<VersionView> Versions, IReadOnlyList<RoundView> Rounds, IReadOnlyList<DiceView> Dice);

/// <summary>
/// The loop so far: versions with lineage, rounds with how many candidates were annotated or skipped, and Dice of
/// each version met while serving on every slide that has a reference label slide (STEM.labels.tif beside it).
/// </summary>
public sealed class HistoryService(WorkspaceAccess access)
{
    /// <summary>Largest prediction artifact scored (the whole map and its reference are held in memory).</summary>
    public const long MaxScoredPixels = 64L << 20;

    private readonly ConcurrentDictionary<(string Slide, string Version), DiceView> dice = new();
    private readonly ConcurrentDictionary<string, string> modelHashes = new(StringComparer.Ordinal); // versions never change

    public HistoryView History()
    {
        using var ws = access.Open();
        var manifest = ws.Manifest;
        var reviews = ws.Store.Reviews();
        var byRound = ws.Store.Candidates().GroupBy(c => c.RoundId).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToHashSet());
        var rounds = manifest.Rounds.Select(r =>
        {
            var ids = byRound.GetValueOrDefault(r.Id) ?? [];
            var states = reviews.Where(v => ids.Contains(v.CandidateId)).ToList();
            return new RoundView(r.Id, r.RankedBy, r.CreatedAt, ids.Count, states.Count(s => s.State == ReviewState.Annotated), states.Count(s => s.State == ReviewState.Skipped));
        }).ToList();
        var modelDir = ws.ModelDir(manifest.Current);
        var modelHash = modelHashes.GetOrAdd(manifest.Current.Id,
            _ => Fingerprints.Model(modelDir, Uga.Inference.ModelManifest.Read(Path.Combine(modelDir, Uga.Inference.ModelManifest.FileName))));
        foreach (var slide in ws.Store.Slides()) Score(slide, manifest.Current.Id, modelHash);
        return new HistoryView(manifest.Current.Id,
            manifest.Versions.Select(v => new VersionView(v.Id, v.Parent, v.How, v.Steps, v.PatchCount, v.TrainedOnRounds, v.CreatedAt)).ToList(),
            rounds, dice.Values.OrderBy(d => d.Slide, StringComparer.Ordinal).ThenBy(d => d.Version.Length).ThenBy(d => d.Version, StringComparer.Ordinal).ToList());
    }

    // The artifacts hold only the current version's prediction, so each version is scored while it is current.
    private void Score(SlideRecord slide, string version, string modelHash)
    {
        if (dice.ContainsKey((slide.Id, version)) || WorkspaceAccess.ReferenceLabels(slide) is not { } referencePath) return;
        var artifact = access.Artifact(slide.Id);
        if (artifact is null || artifact.Manifest.Key.ModelHash != modelHash) return; // not yet predicted by this version
        var m = artifact.Manifest;
        if ((long)m.Width * m.Height > MaxScoredPixels) return;
        var reference = LabelSlide.Open(referencePath);
        var predicted = artifact.ReadLabels(new PixelRegion(0, 0, m.Width, m.Height));
        var sampled = new LabelMap(m.Width, m.Height);
        double ratio = (double)reference.Width / m.SlideWidth * (m.SpacingUm / m.SlideSpacingUm);
        const int Band = 128;
        for (int top = 0; top < m.Height; top += Band)
        {
            int rows = Math.Min(Band, m.Height - top);
            int y0 = (int)(top * ratio), y1 = Math.Min(reference.Height, (int)Math.Ceiling((top + rows) * ratio) + 1);
            if (y0 >= y1) break;
            var strip = reference.Read(new PixelRegion(0, y0, reference.Width, y1 - y0));
            for (int y = top; y < top + rows; y++)
            {
                int ry = Math.Min(y1 - 1, (int)((y + 0.5) * ratio)) - y0;
                for (int x = 0; x < m.Width; x++)
                    sampled.Data[(y * m.Width) + x] = strip.Data[(ry * reference.Width) + Math.Min(reference.Width - 1, (int)((x + 0.5) * ratio))];
            }
        }
        var perClass = SegmentationMetrics.Dice(predicted, sampled, m.ClassNames.Count);
        var view = new DiceView(slide.Id, version, m.ClassNames.Select((n, i) => (n, perClass[i])).ToDictionary(p => p.n, p => Math.Round(p.Item2, 4)),
            Math.Round(SegmentationMetrics.MeanDefined(perClass.Skip(1)), 4));
        dice[(slide.Id, version)] = view;
    }
}
