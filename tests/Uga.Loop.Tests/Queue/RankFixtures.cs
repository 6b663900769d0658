using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Slides.Writing;

namespace Uga.Loop.Tests.Queue;

/// <summary>Tiny untrained ensembles, synthetic tissue slides and CSV reading for the rank tests.</summary>
internal static class RankFixtures
{
    /// <summary>Saves a small untrained ensemble (fixed seeds) to DIR/model and returns the folder.</summary>
    public static string TinyModel(TempDir dir, double spacingUm, int classes = 3, int members = 2) =>
        TinyModels.Save(dir, TinyModels.Classes(classes), spacingUm, patchSize: 32, members: members, normalisation: "none", seed: 100);

    /// <summary>Glass with an elliptical pink-purple "tissue" blob of noisy texture, like H&amp;E to the tissue detector.</summary>
    public static RgbImage TissueImage(int width, int height, int seed)
    {
        var image = new RgbImage(width, height);
        var random = new Random(seed);
        double cx = width / 2.0, cy = height / 2.0, rx = width * 0.42, ry = height * 0.42;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = image.Index(x, y);
                double d = (((x - cx) / rx) * ((x - cx) / rx)) + (((y - cy) / ry) * ((y - cy) / ry));
                if (d > 1)
                {
                    image.Data[i] = image.Data[i + 1] = image.Data[i + 2] = (byte)random.Next(240, 250);
                    continue;
                }
                bool nucleus = random.NextDouble() < 0.3;
                image.Data[i] = (byte)(nucleus ? random.Next(80, 130) : random.Next(200, 235));
                image.Data[i + 1] = (byte)(nucleus ? random.Next(40, 80) : random.Next(110, 160));
                image.Data[i + 2] = (byte)(nucleus ? random.Next(130, 180) : random.Next(170, 215));
            }
        return image;
    }

    public static string TissueSlide(TempDir dir, string name, int width, int height, double spacingUm)
    {
        var path = dir.File(name);
        PyramidalTiffWriter.Write(path, TissueImage(width, height, 7), spacingUm);
        return path;
    }

    /// <summary>Rows of a CSV without quoted commas, as column → value dictionaries.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(','), (h, v) => (h, v)).ToDictionary(p => p.h, p => p.v))];
    }

    public static int Int(Dictionary<string, string> row, string column) => int.Parse(row[column], CultureInfo.InvariantCulture);
}
