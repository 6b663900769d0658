using System.CommandLine;
using System.Diagnostics;
using Uga.Imaging;
using Uga.Phantom;
using Uga.Slides.Writing;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga data phantom`: synthetic H&amp;E-like slides with exact reference masks, for demos, tests and benchmarks
/// without downloading data. Pyramidal slides (STEM.tif + STEM.labels.tif) or a dataset folder
/// (images/STEM.png + masks/STEM.png), and a cases.csv either way.
/// </summary>
internal static class DataPhantomCommand
{
    public static Command Create()
    {
        var centre = new Option<PhantomCentre>("--centre") { Description = "Staining/scanning centre: A (training) or B (deployment, shifted colours, blur, noise)", DefaultValueFactory = _ => PhantomCentre.A };
        var slides = new Option<int>("--slides") { Description = "Number of slides", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Width and height of each slide in pixels", DefaultValueFactory = _ => 2048 };
        var output = new Option<string>("--out") { Description = "Output folder", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Base seed; slide i of centre A and of centre B share tissue and masks", DefaultValueFactory = _ => 1 };
        var spacing = new Option<double>("--spacing") { Description = "µm/px (0.5 ≈ 20x); morphology keeps its physical size", DefaultValueFactory = _ => 0.5 };
        var format = new Option<string>("--format") { Description = "tiff: pyramidal STEM.tif + STEM.labels.tif; dataset: images/STEM.png + masks/STEM.png", DefaultValueFactory = _ => "tiff" };
        var clearCell = new Option<bool>("--clear-cell") { Description = "Add a clear-cell tumour subtype (meant for centre B: morphology the training centre never showed)" };
        var tileSize = new Option<int>("--tile-size") { Description = "TIFF tile size in pixels (multiple of 16)", DefaultValueFactory = _ => 256 };
        var command = new Command("phantom", "Generate synthetic H&E-like slides of glass, benign tissue and tumour with reference masks")
        {
            centre, slides, size, output, seed, spacing, format, clearCell, tileSize,
        };
        command.SetAction((parse, cancellation) =>
        {
            var request = new Request(parse.GetValue(centre), parse.GetValue(slides), parse.GetValue(size), parse.GetValue(output)!,
                parse.GetValue(seed), parse.GetValue(spacing), parse.GetValue(format)!, parse.GetValue(clearCell), parse.GetValue(tileSize));
            return Task.FromResult(Run(request, cancellation));
        });
        return command;
    }

    private sealed record Request(PhantomCentre Centre, int Slides, int Size, string Out, ulong Seed, double SpacingUm,
        string Format, bool ClearCell, int TileSize);

    private static int Run(Request request, CancellationToken cancellation)
    {
        bool dataset = request.Format switch
        {
            "dataset" => true,
            "tiff" => false,
            _ => throw new InvalidInputException(null, $"--format must be tiff or dataset, got '{request.Format}'"),
        };
        if (request.TileSize < 16 || request.TileSize > 4096 || request.TileSize % 16 != 0)
            throw new InvalidInputException(null, $"--tile-size must be a multiple of 16 between 16 and 4096, got {request.TileSize}");
        if (request.Size > PyramidalTiffWriter.MaxDimension)
            throw new InvalidInputException(null, $"--size must be at most {PyramidalTiffWriter.MaxDimension} px, got {request.Size}");
        var specs = PhantomDataset.Series(request.Centre, request.Slides, request.Size, request.Seed, request.SpacingUm, request.ClearCell);
        var cases = new List<PhantomCase>();
        for (int i = 0; i < specs.Count; i++)
        {
            var stem = PhantomDataset.Stem(request.Centre, i);
            var slide = new PhantomSlide(specs[i]);
            var watch = Stopwatch.StartNew();
            var written = dataset
                ? PhantomDataset.WritePngPair(slide, request.Out, stem, cancellation)
                : WriteSlides(slide, Path.Combine(request.Out, stem + ".tif"), request.TileSize, stem, cancellation);
            cases.Add(written);
            Console.WriteLine($"{stem}: {slide.Width}x{slide.Height} px at {slide.SpacingUm:0.###} µm/px, tissue {written.TissueFraction:P1}, tumour {written.TumourFraction:P1} ({watch.Elapsed.TotalSeconds:F1} s)");
        }
        var casesPath = Path.Combine(request.Out, "cases.csv");
        PhantomDataset.WriteCasesCsv(casesPath, cases);
        Console.WriteLine($"wrote {cases.Count} {(dataset ? "image/mask pairs" : "slides with label slides")} and {casesPath}");
        return 0;
    }

    /// <summary>Streams one phantom into a pyramidal RGB slide and a matching label slide, printing tenths of large ones.</summary>
    private static PhantomCase WriteSlides(PhantomSlide slide, string path, int tileSize, string stem, CancellationToken cancellation)
    {
        bool large = slide.Width * (long)slide.Height >= 1L << 26;
        long lastTenth = 0;
        var progress = new TenthsPrinter(p =>
        {
            long tenth = p.Done * 10 / Math.Max(1, p.Total);
            if (large && tenth > lastTenth && tenth < 10) Console.Error.WriteLine($"{stem}: {tenth * 10}%");
            lastTenth = tenth;
        });
        return PhantomSlideWriter.Write(slide, path, stem, tileSize, large ? progress : null, cancellation);
    }
}

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and print out of order).</summary>
internal sealed class TenthsPrinter(Action<WorkProgress> report) : IProgress<WorkProgress>
{
    public void Report(WorkProgress value) => report(value);
}
