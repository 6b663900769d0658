using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga predict --slide`: tissue detection, then the ensemble streamed over the slide at the model's spacing
/// (<see cref="SlidePredictor"/>), then previews and a summary. Every input is checked before the output folder is
/// created, so bad input leaves nothing behind; every file is written atomically.
/// </summary>
internal static class PredictSlide
{
    /// <summary>The options that only make sense for a slide.</summary>
    public sealed record SlideSettings(string SlidePath, double? SpacingUm, int BlockSize, double MinTissue, double MaskSpacingUm);

    public static int Run(PredictCommand.Settings settings, SlideSettings slideSettings)
    {
        var total = Stopwatch.StartNew();
        var cancel = settings.Options.Cancellation;
        if (!double.IsFinite(slideSettings.MaskSpacingUm) || slideSettings.MaskSpacingUm <= 0 || slideSettings.MaskSpacingUm > 1000)
            throw new InvalidInputException(null, $"--mask-spacing {slideSettings.MaskSpacingUm.ToString(CultureInfo.InvariantCulture)} must be a positive number of µm/px (at most 1000)");
        using var slide = SlideFactory.Open(slideSettings.SlidePath, slideSettings.SpacingUm);
        using var ensemble = settings.LoadEnsemble();
        var options = SlideOptions(settings, slideSettings, ensemble.Manifest);

        var clock = Stopwatch.StartNew();
        var tissue = TissueDetector.Detect(slide, new TissueDetectionOptions { MaskSpacingUm = slideSettings.MaskSpacingUm }, cancel);
        var tissueSeconds = clock.Elapsed.TotalSeconds;

        var stem = Path.GetFileNameWithoutExtension(slideSettings.SlidePath);
        string Out(string suffix) => Path.Combine(settings.OutDir, stem + suffix);
        Directory.CreateDirectory(settings.OutDir);
        // The full-precision artifact beside the display TIFFs: `uga rank --artifacts OUT` ranks it without predicting again.
        var key = PredictionKey.Of(Fingerprints.Model(settings.ModelDir, ensemble.Manifest), slide.Path, options,
            ensemble.Manifest.PatchSize, options.MinTissueFraction);
        var result = SlidePredictor.Predict(slide, ensemble, tissue, Out(".labels.tif"), Out(".uncertainty.tif"),
            options with { Artifact = new ArtifactTarget(PredictionArtifact.PathFor(settings.OutDir, stem), key) });

        clock.Restart();
        var files = new List<string> { result.ArtifactPath!, result.LabelsPath, result.UncertaintyPath, Out(".labels-preview.png"), Out(".uncertainty-preview.png"), Out(".tissue.png") };
        var thumbnail = SlidePreviews.Thumbnail(slide, result);
        ImageFile.WritePng(SlidePreviews.Labels(thumbnail, result), files[3]);
        ImageFile.WritePng(SlidePreviews.Uncertainty(thumbnail, result), files[4]);
        TissueMaskFile.Save(tissue, files[5]);
        var previewSeconds = clock.Elapsed.TotalSeconds;

        var timings = new Timings(tissueSeconds, result.Elapsed.TotalSeconds, previewSeconds, total.Elapsed.TotalSeconds);
        var summaryPath = Out(".summary.json");
        var summary = Summary(slide, settings, options, ensemble.Manifest, tissue, result, timings, files);
        AtomicFile.WriteAllText(summaryPath, JsonSerializer.Serialize(summary, PredictCommand.JsonOptions));
        Report(stem, slide, result, tissue, timings, files.Append(summaryPath));
        return 0;
    }

    private sealed record Timings(double Tissue, double Predict, double Previews, double Total);

    private static SlidePredictionOptions SlideOptions(PredictCommand.Settings settings, SlideSettings slideSettings, ModelManifest manifest)
    {
        var image = settings.Options;
        image.OverlapFor(manifest.PatchSize); // the image path's message for an absurd overlap
        var options = new SlidePredictionOptions
        {
            Uncertainty = image.Uncertainty,
            Samples = image.Samples,
            McDropoutPasses = image.McDropoutPasses,
            CascadeThreshold = image.CascadeThreshold,
            Overlap = image.Overlap,
            BatchSize = image.BatchSize,
            BlockSize = slideSettings.BlockSize,
            Seed = image.Seed, // as the image path, so an MC-dropout run can be repeated exactly
            MinTissueFraction = slideSettings.MinTissue,
            Progress = ProgressPrinter.ToStandardError(),
            Cancellation = image.Cancellation,
        };
        options.Validate();
        return options;
    }

    private static object Summary(Slide slide, PredictCommand.Settings settings, SlidePredictionOptions options, ModelManifest manifest,
        TissueMask tissue, SlidePredictionResult result, Timings timings, List<string> files)
    {
        long pixels = (long)result.Width * result.Height;
        return new
        {
            Slide = Path.GetFullPath(slide.Path),
            Model = Path.GetFullPath(settings.ModelDir),
            slide.Vendor,
            SlideSpacingUm = slide.Spacing,
            SlideSpacingSource = slide.SpacingSource.ToString(),
            SlideWidth = slide.Levels[0].Width,
            SlideHeight = slide.Levels[0].Height,
            result.Width,
            result.Height,
            result.SpacingUm,
            SampleSource = options.SourceName,
            manifest.PatchSize,
            Overlap = settings.Options.OverlapFor(manifest.PatchSize),
            options.BlockSize,
            Backend = EnsembleModels.Runner(manifest, settings.Backend, options.Samples, settings.Precision),
            Uncertainty = new
            {
                Measure = result.UncertaintyMeasure,
                // labels.tif holds class indices; uncertainty.tif holds codes 0..255 that map linearly onto [min, max].
                Gray8Scale = new { result.UncertaintyScale.Min, result.UncertaintyScale.Max, result.UncertaintyScale.Description },
            },
            ClassFractions = result.ClassNames.Select((name, c) => new { Class = name, Fraction = result.ClassPixels[c] / (double)pixels }),
            Tissue = new { tissue.Fraction, tissue.TissueAreaMm2, MaskSpacingUm = tissue.Spacing, options.MinTissueFraction },
            result.PatchesPredicted,
            result.PatchesSkipped,
            PatchesPerSecond = Math.Round(result.PatchesPredicted / Math.Max(timings.Predict, 1e-3), 2),
            Seconds = new
            {
                Tissue = Math.Round(timings.Tissue, 2),
                Predict = Math.Round(timings.Predict, 2),
                Previews = Math.Round(timings.Previews, 2),
                Total = Math.Round(timings.Total, 2),
            },
            Files = files.Select(Path.GetFileName),
        };
    }

    private static void Report(string stem, Slide slide, SlidePredictionResult result, TissueMask tissue, Timings timings, IEnumerable<string> files)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"predicted {stem}: {slide.Vendor} slide at {slide.Spacing:0.####} µm/px -> {result.Width}x{result.Height} px maps at {result.SpacingUm:0.####} µm/px"));
        Console.WriteLine(string.Create(inv,
            $"tissue {tissue.Fraction:0.000} of the slide; {result.PatchesPredicted} patches predicted, {result.PatchesSkipped} skipped; " +
            $"{result.PatchesPredicted / Math.Max(timings.Predict, 1e-3):0.0} patches/s; {timings.Total:0.0} s in all"));
        foreach (var file in files) Console.WriteLine($"wrote {file}");
    }
}
