using System.CommandLine;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Loop.Queue;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga annotations from-mask`: a reference label mask drawn inside a queue's candidate rectangles as ASAP XML or
/// QuPath GeoJSON, so a dataset's ground truth can play the pathologist when measuring the loop.
/// </summary>
internal static class AnnotationsFromMaskCommand
{
    public static Command Create()
    {
        var mask = new Argument<string>("MASK") { Description = "Label mask image (one class index per pixel, 255 = ignore) with the slide's level-0 pixels" };
        var output = new Argument<string>("OUT") { Description = "Output file: .xml writes ASAP XML, .geojson/.json QuPath GeoJSON" };
        var candidates = new Option<string>("--candidates") { Description = "candidates.csv written by `uga rank` (its level0_* rectangles)", Required = true };
        var classes = new Option<string>("--classes") { Description = "Class names of the mask's labels, background first, comma-separated (as given to `uga train`)", Required = true };
        var slide = new Option<string?>("--slide") { Description = "Slide id of the mask in the candidates' slide column (default: the mask's file stem)" };
        var command = new Command("from-mask", "Draw a reference label mask inside the queue's candidate rectangles as ASAP XML or QuPath GeoJSON")
        {
            mask, output, candidates, classes, slide,
        };
        command.SetAction(parse =>
        {
            string maskPath = parse.GetValue(mask)!, outPath = parse.GetValue(output)!, csv = parse.GetValue(candidates)!;
            var classNames = TrainCommand.ParseClasses(parse.GetValue(classes))!;
            var format = AnnotationFiles.FormatForPath(outPath); // an unknown extension fails before any work
            var slideId = parse.GetValue(slide) ?? Path.GetFileNameWithoutExtension(maskPath);
            var rows = CandidateRegions.ReadCsv(csv).Where(c => c.Slide == slideId).ToList();
            if (rows.Count == 0) throw new InvalidInputException(csv, $"no candidate on slide '{slideId}' (give --slide if the mask's stem differs)");
            if (!File.Exists(maskPath)) throw new InvalidInputException(maskPath, "mask file not found");
            var labels = ImageFile.ReadLabels(maskPath);
            if (labels.MaxLabel() >= classNames.Count)
                throw new InvalidInputException(maskPath, $"mask has label {labels.MaxLabel()} but --classes names {classNames.Count} (0..{classNames.Count - 1}, 255 = ignore)");
            var bounds = new PixelRegion(0, 0, labels.Width, labels.Height);
            foreach (var r in rows.Where(r => r.Level0.Intersect(bounds).Area == 0))
                throw new InvalidInputException(csv, $"candidate UGA {r.Rank} lies outside the {labels.Width}x{labels.Height} mask; wrong mask?");
            var rectangleClass = format == AnnotationFormat.AsapXml ? CandidateAnnotations.AsapGroup : CandidateAnnotations.QuPathClass;
            var set = CandidateAnnotations.FromLabels(labels, [.. rows.Select(r => (r.Rank, r.Level0))], classNames, rectangleClass);
            var warnings = AnnotationFiles.Write(set, outPath, format);
            Console.WriteLine($"drew {set.PolygonCount - rows.Count} polygons in {rows.Count} candidates of {slideId}");
            // ASAP has no holes; the writer splits them into "<class> exclusion" polygons, which the import cuts out again.
            if (warnings.Count > 0) Console.WriteLine($"note: {warnings.Count} annotation(s) with holes were split for ASAP");
            Console.WriteLine($"wrote {outPath} ({format})");
            return 0;
        });
        return command;
    }
}
