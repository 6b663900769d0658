using System.CommandLine;
using Uga.Annotations;

namespace Uga.Cli.Commands;

/// <summary>`uga annotations …`: exchanging annotations with ASAP and QuPath.</summary>
internal static class AnnotationsCommand
{
    private const int MaxWarnings = 20; // real exports can have hundreds of repaired outlines; the count tells enough
    public static Command Create()
    {
        var command = new Command("annotations", "Convert pathologists' annotations (ASAP XML, QuPath GeoJSON, Aperio XML) and import them into a workspace");
        // One line per subcommand.
        Command[] subcommands =
        [
            Convert(),
            AnnotationsImportCommand.Create(),
            AnnotationsFromMaskCommand.Create(),
        ];
        foreach (var sub in subcommands) command.Subcommands.Add(sub);
        return command;
    }

    private static Command Convert()
    {
        var input = new Argument<string>("IN") { Description = "Annotation file: ASAP XML, QuPath GeoJSON or Aperio ImageScope XML (recognised from its content)" };
        var output = new Argument<string>("OUT") { Description = "Output file: .xml writes ASAP XML, .geojson/.json QuPath GeoJSON" };
        var to = new Option<string?>("--to") { Description = "Output format, overriding OUT's extension" };
        to.AcceptOnlyFromAmong("asap", "geojson");
        var skipDegenerate = new Option<bool>("--skip-degenerate") { Description = "Drop polygons with fewer than 3 distinct vertices (with a warning) instead of failing" };
        var command = new Command("convert", "Convert an annotation file between ASAP XML and QuPath GeoJSON") { input, output, to, skipDegenerate };
        command.SetAction(parse =>
        {
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            AnnotationFormat? format = parse.GetValue(to) switch
            {
                "asap" => AnnotationFormat.AsapXml,
                "geojson" => AnnotationFormat.QuPathGeoJson,
                _ => null,
            };
            var read = AnnotationFiles.Read(inPath, new AnnotationReadOptions { SkipDegenerate = parse.GetValue(skipDegenerate) });
            var writeWarnings = AnnotationFiles.Write(read.Set, outPath, format ?? AnnotationFiles.FormatForPath(outPath));
            var set = read.Set;
            Console.WriteLine($"read {inPath} ({read.Format}): {set.Annotations.Count} annotations, {set.PolygonCount} polygons, {set.PointCount} points, {set.VertexCount} vertices, {set.ClassNames().Count} classes");
            var warnings = read.Warnings.Concat(writeWarnings).ToList();
            foreach (var w in warnings.Take(MaxWarnings)) Console.WriteLine($"warning: {w}");
            if (warnings.Count > MaxWarnings) Console.WriteLine($"... and {warnings.Count - MaxWarnings} more warnings ({warnings.Count} in all)");
            Console.WriteLine($"wrote {outPath} ({format ?? AnnotationFiles.FormatForPath(outPath)})");
            return 0;
        });
        return command;
    }
}
