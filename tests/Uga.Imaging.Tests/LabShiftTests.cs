using System.Security.Cryptography;
using Uga.Imaging;
using Uga.Imaging.Shift;

namespace Uga.Imaging.Tests;

public class LabShiftTests
{
    /// <summary>An H&amp;E-like image composed from known concentrations: glass, eosin stroma, haematoxylin nuclei.</summary>
    internal static RgbImage Tissue(int size = 96, int seed = 5)
    {
        var rng = new Random(seed);
        var c = new float[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int i = ((y * size) + x) * 3;
                bool glass = x < size / 6;
                bool nucleus = !glass && ((x / 12) + (y / 12)) % 3 == 0 && (x % 12) is > 2 and < 10 && (y % 12) is > 2 and < 10;
                c[i] = glass ? 0.01f : nucleus ? 0.9f + (0.1f * (float)rng.NextDouble()) : 0.08f;
                c[i + 1] = glass ? 0.01f : 0.45f + (0.1f * (float)rng.NextDouble());
                c[i + 2] = 0.02f * (float)rng.NextDouble();
            }
        return StainModel.HAndE.Compose(c, size, size);
    }

    /// <summary>Mean haematoxylin and eosin concentrations over tissue pixels (total OD above glass).</summary>
    private static (double H, double E) MeanStains(RgbImage image)
    {
        var c = StainModel.HAndE.Concentrations(image);
        double h = 0, e = 0;
        int n = 0;
        for (int i = 0; i < c.Length; i += 3)
        {
            if (c[i] + c[i + 1] < 0.2) continue;
            h += c[i];
            e += c[i + 1];
            n++;
        }
        return (h / n, e / n);
    }

    private static double MeanAbsDifference(RgbImage a, RgbImage b) =>
        a.Data.Zip(b.Data).Average(p => Math.Abs(p.First - p.Second));

    [Fact]
    public void Identity_parameters_give_back_the_input_within_rounding_and_jpeg_error()
    {
        var image = Tissue();
        var same = new LabShift().Apply(image, seed: 1);
        Assert.All(image.Data.Zip(same.Data), p => Assert.InRange(p.First - p.Second, -1, 1));
        var jpeg = new LabShift { JpegQuality = 95 }.Apply(image, seed: 1);
        Assert.InRange(MeanAbsDifference(image, jpeg), 0.01, 3.0);   // changed, but only by compression error (noisy input)
    }

    [Fact]
    public void Transfer_to_itself_is_exactly_perturb_and_a_new_eosin_vector_recolours_only_eosin()
    {
        var image = Tissue();
        var model = StainModel.HAndE;
        Assert.Equal(model.Perturb(image, [1.2, 0.9, 1], [0.01, 0, 0]).Data, model.Transfer(image, model, [1.2, 0.9, 1], [0.01, 0, 0]).Data);

        var pinker = StainModel.FromTwoStains(model.Vector(0), [0.05, 0.90, 0.33]);
        var moved = model.Transfer(image, pinker, [1, 1, 1], [0, 0, 0]);
        // Measured with the target's own vectors, the concentrations are those of the source.
        var before = model.Concentrations(image);
        var after = pinker.Concentrations(moved);
        double worst = before.Zip(after).Where((_, i) => i % 3 != 2).Max(p => Math.Abs(p.First - p.Second));
        Assert.InRange(worst, 0, 0.05);
        // The new eosin absorbs more blue: stroma loses blue relative to the source.
        double Blue(RgbImage im) => Enumerable.Range(0, im.Width * im.Height).Average(i => (double)im.Data[(i * 3) + 2]);
        Assert.True(Blue(moved) < Blue(image) - 3, $"blue {Blue(moved)} vs {Blue(image)}");
    }

    [Fact]
    public void Stain_amounts_move_the_measured_concentrations_in_the_intended_direction()
    {
        var image = Tissue();
        var (h0, e0) = MeanStains(image);
        var (h1, e1) = MeanStains(new LabShift { HaematoxylinScale = 1.3 }.Apply(image, 1));
        Assert.InRange(h1 / h0, 1.22, 1.38);
        Assert.InRange(e1 / e0, 0.97, 1.03);
        var (h2, e2) = MeanStains(LabShiftPresets.Get("faded").Apply(image, 1));
        Assert.True(h2 < h0 * 0.85 && e2 < e0 * 0.85, $"faded H {h2} vs {h0}, E {e2} vs {e0}");
    }

    [Fact]
    public void Scanner_blue_makes_the_glass_bluish_and_blur_removes_detail()
    {
        var image = Tissue();
        var blue = LabShiftPresets.Get("scanner-blue").Apply(image, 1);
        var glass = blue.Index(2, 2);
        Assert.True(blue.Data[glass + 2] - blue.Data[glass] >= 15, $"glass RGB {blue.Data[glass]},{blue.Data[glass + 1]},{blue.Data[glass + 2]}");

        static double Detail(RgbImage im)
        {
            double sum = 0;
            for (int y = 0; y < im.Height; y++)
                for (int x = 1; x < im.Width; x++) sum += Math.Abs(im.Data[im.Index(x, y)] - im.Data[im.Index(x - 1, y)]);
            return sum;
        }
        var blurred = new LabShift { BlurSigmaUm = 1.0 }.Apply(image, 1, spacingUm: 0.5);
        Assert.True(Detail(blurred) < 0.7 * Detail(image), $"detail {Detail(blurred)} vs {Detail(image)}");
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_another_draw()
    {
        var image = Tissue();
        var strong = LabShiftPresets.Get("strong");
        string Hash(RgbImage im) => Convert.ToHexString(SHA256.HashData(im.Data));
        Assert.Equal(Hash(strong.Apply(image, 42, 0.5)), Hash(strong.Apply(image, 42, 0.5)));
        Assert.NotEqual(Hash(strong.Apply(image, 42, 0.5)), Hash(strong.Apply(image, 43, 0.5)));
        Assert.NotEqual(strong.Draw(42), strong.Draw(43));
        Assert.Equal(strong.Draw(42), strong.Draw(42));
    }

    [Theory]
    [InlineData("blur")]
    [InlineData("quality0")]
    [InlineData("quality101")]
    [InlineData("gamma")]
    [InlineData("vector")]
    public void Absurd_parameters_are_user_errors(string which)
    {
        LabShift shift = which switch
        {
            "blur" => new LabShift { BlurSigmaUm = -1 },
            "quality0" => new LabShift { JpegQuality = 0 },
            "quality101" => new LabShift { JpegQuality = 101 },
            "gamma" => new LabShift { Gamma = 0 },
            _ => new LabShift { TargetEosin = StainModel.HAndE.Vector(0) },   // same as haematoxylin: no basis
        };
        var error = Assert.Throws<InvalidInputException>(shift.Validate);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Unknown_preset_lists_the_valid_ones_and_a_micron_blur_needs_a_spacing()
    {
        var error = Assert.Throws<InvalidInputException>(() => LabShiftPresets.Get("lab-z"));
        Assert.Contains("lab-b, faded, scanner-blue, strong", error.Message);
        Assert.All(LabShiftPresets.Names, n => LabShiftPresets.Get(n).Validate());
        Assert.Throws<InvalidInputException>(() => new LabShift { BlurSigmaUm = 0.5 }.Apply(Tissue(16), 1));
    }
}
