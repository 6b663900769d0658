using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

/// <summary>Tiny synthetic datasets and a plain whole-image predictor for the training tests.</summary>
internal static class TestData
{
    /// <summary>Writes images/ and masks/ of <paramref name="count"/> random-disc images into <paramref name="dir"/>.</summary>
    public static void WriteDiscDataset(string dir, int count, int size = 48, int seed = 7, string? casesCsv = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var (image, labels) = Discs(size, rng);
            ImageFile.WritePng(image, Path.Combine(dir, "images", $"case{i}.png"));
            ImageFile.WritePng(labels, Path.Combine(dir, "masks", $"case{i}.png"));
        }
        if (casesCsv is not null) File.WriteAllText(Path.Combine(dir, "cases.csv"), casesCsv);
    }

    /// <summary>Pinkish background with a few dark purple discs (class 1), like nuclei in eosin.</summary>
    public static (RgbImage Image, LabelMap Labels) Discs(int size, Random rng)
    {
        var image = new RgbImage(size, size);
        var labels = new LabelMap(size, size);
        for (int i = 0; i < image.Data.Length; i += 3)
        {
            image.Data[i] = (byte)(225 + rng.Next(20));
            image.Data[i + 1] = (byte)(170 + rng.Next(20));
            image.Data[i + 2] = (byte)(200 + rng.Next(20));
        }
        for (int d = 0; d < 4; d++)
        {
            int cx = rng.Next(size), cy = rng.Next(size), r = 3 + rng.Next(5);
            for (int y = Math.Max(0, cy - r); y < Math.Min(size, cy + r + 1); y++)
                for (int x = Math.Max(0, cx - r); x < Math.Min(size, cx + r + 1); x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) > r * r) continue;
                    labels[x, y] = 1;
                    int k = image.Index(x, y);
                    image.Data[k] = (byte)(80 + rng.Next(30));
                    image.Data[k + 1] = (byte)(40 + rng.Next(30));
                    image.Data[k + 2] = (byte)(130 + rng.Next(30));
                }
        }
        return (image, labels);
    }

    /// <summary>Ensemble-mean softmax over the whole image (padded to a multiple of 2^depth), then argmax.</summary>
    public static LabelMap PredictWhole(Ensemble ensemble, RgbImage image)
    {
        int factor = 1 << ensemble.Manifest.Depth;
        int w = (image.Width + factor - 1) / factor * factor, h = (image.Height + factor - 1) / factor * factor;
        var padded = image.Crop(new PixelRegion(0, 0, w, h));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = ensemble.Normalise(padded);
        Tensor? sum = null;
        foreach (var member in ensemble.Members)
        {
            var p = nn.functional.softmax(member.call(input), 1);
            sum = sum is null ? p : sum + p;
        }
        var labels = sum!.argmax(1)[0].to_type(ScalarType.Byte).data<byte>().ToArray();
        return new LabelMap(w, h, labels).Crop(new PixelRegion(0, 0, image.Width, image.Height));
    }
}
