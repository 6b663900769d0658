using System.CommandLine;
using System.Globalization;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga annotations import`: a pathologist's annotations of a round's candidates become training patches.</summary>
internal static class AnnotationsImportCommand
{
    public static Command Create()
    {
        var workspace = WorkspaceCommand.WorkspaceOption();
        var file = new Argument<string>("FILE") { Description = "ASAP XML or QuPath GeoJSON with the annotated candidates (level-0 pixels)" };
        var slide = new Option<string>("--slide") { Description = "The slide the annotations are on", Required = true };
        var round = new Option<string?>("--round") { Description = "Round to import into, e.g. r1 (default: the latest; a new one when there is none)" };
        var spacing = new Option<double?>("--spacing") { Description = "µm/px of the slide's level 0 when the file does not say" };
        var unlabelled = new Option<string>("--unlabelled")
        {
            Description = "Rectangle pixels no polygon covers: ignore (not trained on) or a class name, e.g. background",
            DefaultValueFactory = _ => "ignore",
        };
        var unclassified = new Option<string?>("--unclassified") { Description = "Class for polygons without a class (default: they are an error)" };
        var author = new Option<string>("--author") { Description = "Who drew the annotations (stored with each polygon)", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("import", "Import annotated candidates into a workspace round as training patches")
        {
            workspace, file, slide, round, spacing, unlabelled, unclassified, author,
        };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var fill = parse.GetValue(unlabelled)!;
            var import = AnnotationImporter.Import(ws, new ImportRequest
            {
                AnnotationFile = parse.GetValue(file)!,
                SlidePath = parse.GetValue(slide)!,
                Round = parse.GetValue(round),
                SlideSpacingUm = parse.GetValue(spacing),
                UnlabelledClass = string.Equals(fill, "ignore", StringComparison.OrdinalIgnoreCase) ? null : fill,
                UnclassifiedClass = parse.GetValue(unclassified),
                Author = parse.GetValue(author)!,
            });
            var roundId = ws.Manifest.Rounds.Last(r => r.Imports.Any(i => i.Sha256 == import.Sha256)).Id;
            var pixels = string.Join(", ", import.PixelsPerClass.Select(p => $"{p.Key} {p.Value} px"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {import.Polygons} polygons into round {roundId}: " +
                $"{import.CandidatePatches} candidate patches, {import.ExtraRegions} extra regions at {import.SpacingUm:0.###} µm/px ({pixels})"));
            Console.WriteLine($"wrote {Path.Combine(ws.PathOf(Path.Combine("rounds", roundId)), "patches")}");
            return 0;
        });
        return command;
    }
}
