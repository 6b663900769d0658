using System.Text;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Learning;
using Uga.Loop.Workspace;
using Uga.Server;
using Uga.Slides;

namespace Uga.Fuzz;

/// <summary>
/// Every parser that takes bytes from outside, as a function of those bytes. The contract under test: any input
/// either parses or throws <see cref="InvalidInputException"/> (one clear line naming the file); any other
/// exception, a hang or a crash is a bug. File-based parsers get the bytes as a file in a scratch folder.
/// </summary>
public static class FuzzTargets
{
    private static readonly Dictionary<string, Action<byte[], string>> Targets = new(StringComparer.Ordinal)
    {
        // ASAP XML, Aperio XML and QuPath GeoJSON share one entry point that recognises the format by content.
        ["annotations"] = (bytes, _) => AnnotationFiles.Parse(Encoding.UTF8.GetString(bytes), "fuzz.xml"),
        ["cases-csv"] = (bytes, dir) => CasesTable.Read(Write(dir, "cases.csv", bytes)),
        ["model-manifest"] = (bytes, _) => ModelManifest.Parse(Encoding.UTF8.GetString(bytes), "manifest.json"),
        ["workspace-manifest"] = (bytes, dir) => WorkspaceManifest.Read(Write(dir, "workspace.json", bytes)),
        ["artifact-manifest"] = (bytes, dir) => ArtifactManifest.Read(Write(dir, "zarr.json", bytes)),
        ["zarr-array"] = (bytes, dir) => ZarrArray.Open(Path.GetDirectoryName(Write(dir, "zarr.json", bytes))!),
        ["tiff"] = (bytes, dir) => TiffStructure.Check(Write(dir, "slide.tif", bytes)),
        ["image"] = (bytes, dir) => ImageFile.ReadRgb(Write(dir, "image.png", bytes)),
        ["workbench-save"] = (bytes, _) => WorkbenchSave(bytes),
    };

    public static IReadOnlyCollection<string> Names => Targets.Keys;

    /// <summary>Runs one input; true when it parsed, false when it was refused with a clear error.</summary>
    public static bool Run(string target, byte[] input, string scratchDir)
    {
        if (!Targets.TryGetValue(target, out var parse))
            throw new ArgumentException($"unknown fuzz target '{target}' (known: {string.Join(", ", Names)})", nameof(target));
        try
        {
            parse(input, scratchDir);
            return true;
        }
        catch (InvalidInputException e) when (IsOneLine(e.Message))
        {
            return false;
        }
    }

    // A refusal must be the single clear line the user sees; a multi-line message is a finding too.
    private static bool IsOneLine(string message) => !message.Contains('\n', StringComparison.Ordinal);

    // The body of a workbench save, checked as `uga serve` checks it; its refusals (answered 400) count as clear errors.
    private static void WorkbenchSave(byte[] bytes)
    {
        try
        {
            var request = System.Text.Json.JsonSerializer.Deserialize<SaveRequest>(bytes, Submission.Json)
                ?? throw RequestException.BadRequest("empty JSON body");
            Submission.Regions(request, ["background", "benign", "tumour"], 200_000);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or RequestException { Status: 400 })
        {
            throw new InvalidInputException("request", e.Message);
        }
    }

    private static string Write(string dir, string name, byte[] bytes)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
