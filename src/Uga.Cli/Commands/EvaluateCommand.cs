using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga evaluate`: Dice of a trained ensemble against a dataset's masks, per class, per image and pooled (TP, FP and
/// FN summed over all images before computing Dice). Images are predicted at their own spacing (the predictor
/// resamples to the model's and back), so Dice is measured on the masks exactly as annotated. "mean" is the mean
/// over foreground classes (class 0 = background left out) whose Dice is defined; a class absent from both
/// prediction and mask has no Dice ("-").
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder written by `uga train`", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset folder: images/, masks/ (same stems), optional cases.csv", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep cases whose cases.csv column has this value, as column=value (repeatable; all must hold)" };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "µm/px of the dataset images (default: the spacing_um column of cases.csv)" };
        var batch = new Option<int>("--batch") { Description = "Patches per forward pass", DefaultValueFactory = _ => 4 };
        var report = new Option<string?>("--report") { Description = "Also write the scores as JSON to this FILE" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: torch's choice; 1 is faster on a busy machine)" };
        var precision = PredictCommand.PrecisionOption();
        var command = new Command("evaluate", "Dice per class, per image and pooled, of a model on a dataset folder")
        {
            model, data, where, dataSpacing, batch, report, threads, precision,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) TorchRuntime.SetThreads(t);
            var filters = (parse.GetValue(where) ?? []).Select(CaseFilter.Parse).ToArray();
            return Task.FromResult(Run(parse.GetValue(model)!, parse.GetValue(data)!, filters, parse.GetValue(dataSpacing),
                parse.GetValue(batch), parse.GetValue(report), PredictCommand.ResolvePrecision(parse.GetValue(precision)!), cancellation));
        });
        return command;
    }

    private static int Run(string modelDir, string dataDir, IReadOnlyList<CaseFilter> filters, double? dataSpacing,
        int batch, string? reportPath, InferencePrecision precision, CancellationToken cancellation)
    {
        var predictOptions = new PredictOptions { BatchSize = batch, Cancellation = cancellation };
        predictOptions.Validate();
        using var ensemble = EnsembleModels.Load(modelDir, InferenceBackend.Auto, precision);
        int classes = ensemble.Manifest.ClassCount;
        var cases = SegmentationDataset.ListCases(dataDir, new DatasetOptions { Where = filters, DataSpacingUm = dataSpacing, ClassCount = classes });
        var progress = ProgressPrinter.ToStandardError();
        var names = ensemble.Manifest.ClassNames;
        Console.WriteLine("Dice per class against the reference masks; \"mean fg\" = mean Dice of the foreground classes; \"pooled\" counts every pixel of every image once");
        Console.WriteLine(Row("image", [.. names.Select(n => "Dice " + n), "mean fg Dice"]));
        var pooled = new ClassCounts(classes);
        var perImage = new List<(string Stem, ClassCounts Counts)>();
        for (int i = 0; i < cases.Count; i++)
        {
            var (image, reference) = SegmentationDataset.ReadCase(cases[i], classes);
            var counts = SegmentationMetrics.Count(Predict(ensemble, image, cases[i].SpacingUm, predictOptions), reference, classes);
            pooled.Add(counts);
            perImage.Add((cases[i].Stem, counts));
            Console.WriteLine(Row(cases[i].Stem, Scores(counts)));
            progress.Report(new WorkProgress("evaluate", i + 1, cases.Count, cases[i].Stem));
        }
        var meanOfImages = Enumerable.Range(0, classes)
            .Select(c => SegmentationMetrics.MeanDefined(perImage.Select(p => p.Counts.Dice(c)))).ToList();
        Console.WriteLine(Row("mean of images", [.. meanOfImages, SegmentationMetrics.MeanDefined(meanOfImages.Skip(1))]));
        Console.WriteLine(Row("pooled", Scores(pooled)));
        if (reportPath is not null)
        {
            var json = new
            {
                model = Path.GetFullPath(modelDir),
                data = Path.GetFullPath(dataDir),
                filter = filters.Select(f => f.ToString()),
                classes = names,
                pooled = new { dice = NullIfNaN(pooled.DicePerClass()), meanForeground = NullIfNaN(pooled.MeanDice()) },
                images = perImage.Select(p => new { stem = p.Stem, dice = NullIfNaN(p.Counts.DicePerClass()), meanForeground = NullIfNaN(p.Counts.MeanDice()) }),
            };
            AtomicFile.WriteAllText(reportPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {reportPath}");
        }
        return 0;
    }

    /// <summary>The one place that turns an image into predicted labels on its own pixel grid.</summary>
    private static LabelMap Predict(IEnsembleModel ensemble, RgbImage image, double spacingUm, PredictOptions options) =>
        TiledPredictor.Predict(ensemble, image, spacingUm, options).Labels;

    private static List<double> Scores(ClassCounts counts) => [.. counts.DicePerClass(), counts.MeanDice()];

    private static string Row(string label, IReadOnlyList<string> cells) =>
        $"{label,-28}" + string.Concat(cells.Select(c => $"{c,18}"));

    private static string Row(string label, IReadOnlyList<double> values) =>
        Row(label, values.Select(v => double.IsNaN(v) ? "-" : v.ToString("0.0000", CultureInfo.InvariantCulture)).ToList());

    private static double?[] NullIfNaN(double[] values) => values.Select(NullIfNaN).ToArray();

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;
}
