using System.Globalization;
using System.Text;
using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>A written phantom case: its name, how to re-create it, and how much of it is tissue and tumour.</summary>
public sealed record PhantomCase(string Stem, PhantomSpec Spec, double TissueFraction, double TumourFraction);

/// <summary>
/// Series of phantom slides and their outputs: per-slide seeds and names, the dataset-folder layout
/// (images/STEM.png + masks/STEM.png) and the cases.csv that describes them.
/// </summary>
public static class PhantomDataset
{
    /// <summary>Largest side written as a PNG pair; larger phantoms go to pyramidal slides.</summary>
    public const int MaxPngSize = 16384;

    /// <summary>
    /// The specs of <paramref name="count"/> slides. Slide i's seed depends only on (<paramref name="seed"/>, i),
    /// not on the centre, so the i-th slide of centre A and of centre B show the same tissue with the same mask.
    /// </summary>
    public static IReadOnlyList<PhantomSpec> Series(PhantomCentre centre, int count, int size, ulong seed, double spacingUm, bool clearCell)
    {
        if (count < 1) throw new InvalidInputException(null, $"number of slides must be at least 1, got {count}");
        var specs = new List<PhantomSpec>();
        for (int i = 0; i < count; i++)
        {
            var spec = new PhantomSpec(size, size)
            {
                Seed = Noise.Hash(seed, i, 0x5EED),
                Centre = centre,
                SpacingUm = spacingUm,
                ClearCellSubtype = clearCell,
            };
            spec.Validate();
            specs.Add(spec);
        }
        return specs;
    }

    public static string Stem(PhantomCentre centre, int index) => $"phantom-{centre}-{index:000}";

    /// <summary>Renders a whole slide and writes images/STEM.png and masks/STEM.png under <paramref name="folder"/>.</summary>
    public static PhantomCase WritePngPair(PhantomSlide slide, string folder, string stem, CancellationToken cancellation = default)
    {
        if (slide.Width > MaxPngSize || slide.Height > MaxPngSize)
            throw new InvalidInputException(folder, $"{slide.Width}x{slide.Height} px is too large for a PNG dataset (at most {MaxPngSize} px a side); write pyramidal slides instead");
        var image = new RgbImage(slide.Width, slide.Height);
        var labels = new LabelMap(slide.Width, slide.Height);
        var counts = new LabelCounts();
        foreach (var tile in PhantomTiling.Tiles(slide, 512, cancellation))
        {
            image.Paste(tile.Image, tile.Region.X, tile.Region.Y);
            labels.Paste(tile.Labels, tile.Region.X, tile.Region.Y);
            counts.Add(tile.Labels);
        }
        ImageFile.WritePng(image, Path.Combine(folder, "images", stem + ".png"));
        ImageFile.WritePng(labels, Path.Combine(folder, "masks", stem + ".png"));
        return new PhantomCase(stem, slide.Spec, counts.TissueFraction, counts.TumourFraction);
    }

    public const string CasesHeader = "stem,centre,seed,spacing_um,width,height,clear_cell,tissue_fraction,tumour_fraction";

    /// <summary>
    /// cases.csv: one row per case; the first column is the stem, as the dataset readers expect. Rows of an
    /// existing phantom cases.csv whose stems are not rewritten are kept, so centre A and centre B can be
    /// generated into one folder by two runs.
    /// </summary>
    public static void WriteCasesCsv(string path, IReadOnlyCollection<PhantomCase> cases)
    {
        var csv = new StringBuilder(CasesHeader + "\n");
        var stems = cases.Select(c => c.Stem).ToHashSet(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            var old = File.ReadAllLines(path);
            if (old.Length == 0 || old[0].Trim() != CasesHeader)
                throw new InvalidInputException(path, "exists and is not a phantom cases table; choose another output folder");
            foreach (var line in old.Skip(1).Where(l => l.Trim().Length > 0 && !stems.Contains(l.Split(',')[0])))
                csv.Append(line).Append('\n');
        }
        foreach (var c in cases)
        {
            var s = c.Spec;
            csv.Append(CultureInfo.InvariantCulture,
                $"{c.Stem},{s.Centre},{s.Seed},{s.SpacingUm:0.####},{s.Width},{s.Height},{(s.ClearCellSubtype ? 1 : 0)},{c.TissueFraction:0.0000},{c.TumourFraction:0.0000}\n");
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}
