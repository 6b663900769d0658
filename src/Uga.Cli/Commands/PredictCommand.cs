using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga predict`: segmentation and per-pixel uncertainty of an image or a whole slide with a trained ensemble. The
/// options shared by every input kind are parsed into <see cref="Settings"/>; each input kind has its own Run method
/// and output writer (--image here, --slide in <see cref="PredictSlide"/>).
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder written by `uga train` (manifest.json + member weights); with --workspace: its current version" };
        var workspace = new Option<string?>("--workspace") { Description = "Predict the workspace's registered slides with its current model into W/artifacts (current artifacts are skipped)" };
        var rankArgs = new Option<string?>("--rank-args")
        {
            Description = "With --workspace: the options of the `uga rank` that will reduce this round (e.g. \"--k 5 --patch 256\"); each slide's candidate features for that ranking are stored with its artifact (default: rank's defaults)",
        };
        var slideIds = new Option<string?>("--slides") { Description = "With --workspace: only these registered slides, by id, comma-separated (a unit given as a list)" };
        var shard = new Option<string?>("--shard") { Description = "With --workspace: only the i-th of N disjoint parts of the slides, as i/N (one cluster task's unit)" };
        var image = new Option<string?>("--image") { Description = "Image FILE (JPEG, PNG, TIFF) to predict" };
        var slide = new Option<string?>("--slide") { Description = "Whole-slide FILE (SVS, pyramidal TIFF, any OpenSlide format) to predict at the model's spacing" };
        var output = new Option<string?>("--out") { Description = "Output folder; files are named after the input's stem (not with --workspace)" };
        var imageSpacing = new Option<double?>("--image-spacing") { Description = "µm/px of the --image (default: the model's spacing, i.e. no resampling)" };
        var slideSpacing = new Option<double?>("--spacing") { Description = "µm/px of the --slide's full resolution, overriding the file's (required if the file has none)" };
        var uncertainty = new Option<string>("--uncertainty")
        {
            Description = $"Uncertainty measure: {string.Join(", ", UncertaintyMeasures.Names)}",
            DefaultValueFactory = _ => UncertaintyMeasures.Default,
        };
        var overlap = new Option<int?>("--overlap") { Description = "Overlap of neighbouring patches in model pixels (default: half the patch)" };
        var samples = new Option<string>("--samples")
        {
            Description = "Source of probability samples: ensemble (members), mc-dropout (first member, dropout on), tta (first member, flips/rotations)",
            DefaultValueFactory = _ => "ensemble",
        };
        var batch = new Option<int>("--batch") { Description = "Patches per forward pass", DefaultValueFactory = _ => new PredictOptions().BatchSize };
        var passes = new Option<int>("--mc-passes") { Description = "Stochastic passes for --samples mc-dropout", DefaultValueFactory = _ => 8 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: torch's choice; 1 is faster on a busy machine)" };
        var block = new Option<int>("--block") { Description = "--slide: side of the blocks the slide is processed in, model pixels (multiple of 256)", DefaultValueFactory = _ => 1024 };
        var minTissue = new Option<double>("--min-tissue") { Description = "--slide: patches with a smaller tissue fraction are not run (certain background)", DefaultValueFactory = _ => 0.01 };
        var maskSpacing = new Option<double>("--mask-spacing") { Description = "--slide: spacing of the tissue mask in µm/px", DefaultValueFactory = _ => 8.0 };
        var cascade = new Option<double?>("--cascade")
        {
            Description = "Cheaper uncertainty: the first member on every tile, the other members only where its mean normalised entropy exceeds this (0..1)",
        };
        var backend = new Option<string>("--backend")
        {
            Description = "Who runs a Uga model's ensemble: auto (ONNX Runtime, BatchNorm folded; TorchSharp for mc-dropout and tta) or torchsharp (BatchNorm folded). ONNX model folders always run in ONNX Runtime",
            DefaultValueFactory = _ => "auto",
        };
        backend.AcceptOnlyFromAmong([.. EnsembleModels.BackendNames]);
        var precision = PrecisionOption();
        var command = new Command("predict", "Predict labels and per-pixel uncertainty of an image or a whole slide with a trained ensemble")
        {
            model, workspace, shard, slideIds, rankArgs, image, slide, output, imageSpacing, slideSpacing, uncertainty, overlap, samples, batch, passes, threads,
            block, minTissue, maskSpacing, cascade, backend, precision,
        };
        command.SetAction((parse, cancellation) =>
        {
            // Runs synchronously on the invoking thread: on Ctrl-C the token stops the work, the writers delete their
            // temporary files while the exception unwinds, and CliRunner maps it to exit code 130.
            if (parse.GetValue(workspace) is { } root)
            {
                if (parse.GetValue(model) is not null || parse.GetValue(output) is not null || parse.GetValue(image) is not null || parse.GetValue(slide) is not null)
                    throw new InvalidInputException(null, "--workspace predicts the workspace's slides with its current model; give no --model, --out, --image or --slide");
                if (parse.GetValue(threads) is { } t) Uga.Learning.TorchRuntime.SetThreads(t);
                return Task.FromResult(PredictWorkspace.Run(root, parse.GetValue(shard) is { } text ? Shard.Parse(text) : Shard.All, new SlidePredictionOptions
                {
                    BatchSize = parse.GetValue(batch),
                    BlockSize = parse.GetValue(block),
                    CascadeThreshold = parse.GetValue(cascade),
                    MinTissueFraction = parse.GetValue(minTissue),
                    Progress = ProgressPrinter.ToStandardError(),
                    Cancellation = cancellation,
                }, parse.GetValue(slideSpacing), ClusterCommand.SplitArgs(parse.GetValue(rankArgs)),
                    parse.GetValue(slideIds)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            }
            if (parse.GetValue(shard) is not null) throw new InvalidInputException(null, "--shard only applies with --workspace");
            if (parse.GetValue(rankArgs) is not null) throw new InvalidInputException(null, "--rank-args only applies with --workspace");
            if (parse.GetValue(slideIds) is not null) throw new InvalidInputException(null, "--slides only applies with --workspace (use --slide FILE otherwise)");
            var numberFormat = ResolvePrecision(parse.GetValue(precision)!);
            var settings = new Settings(parse.GetValue(model) ?? throw new InvalidInputException(null, "--model is required (or --workspace)"),
                parse.GetValue(output) ?? throw new InvalidInputException(null, "--out is required (or --workspace)"), new PredictOptions
                {
                    Overlap = parse.GetValue(overlap),
                    BatchSize = parse.GetValue(batch),
                    Uncertainty = parse.GetValue(uncertainty)!,
                    Samples = SampleSources.Parse(parse.GetValue(samples)!),
                    McDropoutPasses = parse.GetValue(passes),
                    CascadeThreshold = parse.GetValue(cascade),
                    Bf16 = numberFormat == InferencePrecision.Bf16,
                    Progress = ProgressPrinter.ToStandardError(),
                    Cancellation = cancellation,
                }, EnsembleModels.ParseBackend(parse.GetValue(backend)!), numberFormat);
            settings.Options.Validate(); // absurd parameters fail before the model is loaded
            if (parse.GetValue(threads) is { } n)
            {
                Uga.Learning.TorchRuntime.SetThreads(n);
            }
            var (imagePath, slidePath) = (parse.GetValue(image), parse.GetValue(slide));
            if ((imagePath is null) == (slidePath is null))
                throw new InvalidInputException(null, "give exactly one of --image FILE or --slide FILE");
            if (slidePath is null)
            {
                if (parse.GetValue(slideSpacing) is not null) throw new InvalidInputException(null, "--spacing is for --slide; use --image-spacing with --image");
                return Task.FromResult(RunImage(settings, imagePath!, parse.GetValue(imageSpacing)));
            }
            if (parse.GetValue(imageSpacing) is not null) throw new InvalidInputException(null, "--image-spacing is for --image; use --spacing with --slide");
            var slideSettings = new PredictSlide.SlideSettings(slidePath, parse.GetValue(slideSpacing), parse.GetValue(block),
                parse.GetValue(minTissue), parse.GetValue(maskSpacing));
            return Task.FromResult(PredictSlide.Run(settings, slideSettings));
        });
        return command;
    }

    /// <summary>What every predict variant needs, whatever the input.</summary>
    internal sealed record Settings(string ModelDir, string OutDir, PredictOptions Options, InferenceBackend Backend, InferencePrecision Precision)
    {
        /// <summary>The ensemble ready for inference (never saved or trained by this process).</summary>
        public IEnsembleModel LoadEnsemble() => EnsembleModels.Load(ModelDir, Backend, Precision);
    }

    /// <summary>`--precision auto|fp32|bf16`, shared with `uga evaluate`.</summary>
    internal static Option<string> PrecisionOption()
    {
        var option = new Option<string>("--precision")
        {
            Description = "Number format of a Uga model's ensemble: auto (bf16 on CPUs with AMX, where it was validated; else fp32), fp32, or bf16 (TorchSharp; softmax and uncertainty in fp32)",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong([.. Precisions.Names]);
        return option;
    }

    /// <summary>The precision on this CPU; a bf16 request on a CPU that only emulates it says so on standard error.</summary>
    internal static InferencePrecision ResolvePrecision(string name)
    {
        var (precision, note) = Precisions.Resolve(Precisions.Parse(name), CpuFeatures.Current);
        if (note is not null) Console.Error.WriteLine($"note: {note}");
        return precision;
    }

    private static int RunImage(Settings settings, string imagePath, double? imageSpacingUm)
    {
        var watch = Stopwatch.StartNew();
        var image = ImageFile.ReadRgb(imagePath);
        using var ensemble = settings.LoadEnsemble();
        double spacing = imageSpacingUm ?? ensemble.Manifest.SpacingUm;
        var result = TiledPredictor.Predict(ensemble, image, spacing, settings.Options);

        var stem = Path.GetFileNameWithoutExtension(imagePath);
        var files = WriteImageOutputs(settings.OutDir, stem, image, result);
        var summary = Summary(imagePath, settings, ensemble.Manifest, result, imageSpacingUm is null, watch.Elapsed.TotalSeconds, files);
        var summaryPath = Path.Combine(settings.OutDir, $"{stem}.summary.json");
        AtomicFile.WriteAllText(summaryPath, JsonSerializer.Serialize(summary, JsonOptions));

        Console.WriteLine($"predicted {stem}: {image.Width}x{image.Height} px at {spacing:0.####} µm/px, {result.SampleCount} {result.SampleSource} samples, " +
                          $"{result.UncertaintyMeasure} mean {result.Uncertainty.Data.Average():0.####}, {watch.Elapsed.TotalSeconds:0.0} s");
        foreach (var file in files.Append(summaryPath)) Console.WriteLine($"wrote {file}");
        return 0;
    }

    /// <summary>Labels, overlay, uncertainty heatmap and raw uncertainty of one image; every file atomic.</summary>
    private static List<string> WriteImageOutputs(string outDir, string stem, RgbImage image, PredictionResult result)
    {
        Directory.CreateDirectory(outDir);
        string Out(string suffix) => Path.Combine(outDir, stem + suffix);
        var labels = Out(".labels.png");
        var overlay = Out(".overlay.png");
        var heatmap = Out(".uncertainty.png");
        var raw = Out(".uncertainty.tif");
        ImageFile.WritePng(result.Labels, labels);
        ImageFile.WritePng(Heatmap.Overlay(image, result.Labels), overlay);
        ImageFile.WritePng(Heatmap.RenderWithScale(result.Uncertainty, Colormap.Viridis, result.UncertaintyMeasure), heatmap);
        FloatMapFile.WriteTiff(result.Uncertainty, raw);
        return [labels, overlay, heatmap, raw];
    }

    private static object Summary(string imagePath, Settings settings, ModelManifest manifest, PredictionResult result,
        bool spacingAssumed, double seconds, List<string> files)
    {
        var counts = new long[manifest.ClassCount];
        foreach (var label in result.Labels.Data) counts[label]++;
        var (min, max) = Heatmap.Range(result.Uncertainty);
        return new
        {
            Image = Path.GetFullPath(imagePath),
            Model = Path.GetFullPath(settings.ModelDir),
            result.Labels.Width,
            result.Labels.Height,
            result.SpacingUm,
            SpacingAssumed = spacingAssumed,
            result.ModelSpacingUm,
            result.SampleSource,
            result.SampleCount,
            Overlap = settings.Options.OverlapFor(manifest.PatchSize),
            manifest.PatchSize,
            Uncertainty = new { Measure = result.UncertaintyMeasure, Min = min, Mean = result.Uncertainty.Data.Average(), Max = max },
            ClassFractions = manifest.ClassNames.Select((name, c) => new { Class = name, Fraction = counts[c] / (double)result.Labels.PixelCount }),
            Seconds = Math.Round(seconds, 2),
            Files = files.Select(Path.GetFileName),
        };
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
