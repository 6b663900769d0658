using Uga.Imaging;
using Uga.Phantom;

namespace Uga.Experiments.Demo;

/// <summary>Where the demo's phantom data lives.</summary>
public sealed record DemoDataset(string TrainDir, IReadOnlyList<string> PoolSlides, string EvalDir, string EvalAtCentreADir);

/// <summary>
/// Generates the demo's phantoms: centre A training images, centre B pool slides (pyramidal TIFF + reference label
/// TIFF) and held-out centre B evaluation images, plus the same evaluation tissue stained at centre A. Each group
/// has its own base seed, so no tissue is shared between training, pool and evaluation.
/// </summary>
internal static class DemoData
{
    public static DemoDataset Generate(DemoOptions o, string dataDir)
    {
        var train = Path.Combine(dataDir, "train-A");
        var pool = Path.Combine(dataDir, "pool-B");
        var eval = Path.Combine(dataDir, "eval-B");
        var evalA = Path.Combine(dataDir, "eval-A");
        ulong seed = (ulong)o.Seed;
        WritePngs(PhantomCentre.A, o.TrainSlides, o.TrainSize, seed, o, clearCell: false, train);
        WritePngs(PhantomCentre.B, o.EvalSlides, o.EvalSize, seed + 2000, o, o.ClearCell, eval);
        WritePngs(PhantomCentre.A, o.EvalSlides, o.EvalSize, seed + 2000, o, clearCell: false, evalA);
        Directory.CreateDirectory(pool);
        var slides = new List<string>();
        var specs = PhantomDataset.Series(PhantomCentre.B, o.PoolSlides, o.PoolSize, seed + 1000, o.SpacingUm, o.ClearCell);
        for (int i = 0; i < specs.Count; i++)
        {
            var stem = PhantomDataset.Stem(PhantomCentre.B, i) + "-pool";
            var path = Path.Combine(pool, stem + ".tif");
            PhantomSlideWriter.Write(new PhantomSlide(specs[i]), path, stem, cancellation: o.Cancellation);
            slides.Add(path);
            o.Progress?.Report(new WorkProgress("generate pool slides", i + 1, specs.Count, stem));
        }
        return new DemoDataset(train, slides, eval, evalA);
    }

    private static void WritePngs(PhantomCentre centre, int count, int size, ulong seed, DemoOptions o, bool clearCell, string dir)
    {
        var specs = PhantomDataset.Series(centre, count, size, seed, o.SpacingUm, clearCell);
        var cases = new List<PhantomCase>();
        for (int i = 0; i < specs.Count; i++)
        {
            var stem = PhantomDataset.Stem(centre, i);
            cases.Add(PhantomDataset.WritePngPair(new PhantomSlide(specs[i]), dir, stem, o.Cancellation));
            o.Progress?.Report(new WorkProgress("generate " + Path.GetFileName(dir), i + 1, specs.Count, stem));
        }
        PhantomDataset.WriteCasesCsv(Path.Combine(dir, "cases.csv"), cases);
    }
}
