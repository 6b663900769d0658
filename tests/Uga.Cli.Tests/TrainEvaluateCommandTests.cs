using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga train` and `uga evaluate` on a tiny synthetic dataset (dark discs on pink).</summary>
public sealed class TrainEvaluateCommandTests
{

    private static string Dataset(TempDir dir)
    {
        var data = dir.File("data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        var rng = new Random(3);
        var lines = new List<string> { "case,preparation,spacing_um" };
        for (int i = 0; i < 3; i++)
        {
            var image = new RgbImage(32, 32);
            var labels = new LabelMap(32, 32);
            for (int p = 0; p < 32 * 32; p++)
            {
                bool disc = Math.Pow((p % 32) - 10 - (i * 5), 2) + Math.Pow((p / 32) - 16, 2) < 30;
                labels.Data[p] = disc ? (byte)1 : (byte)0;
                image.Data[p * 3] = (byte)(disc ? 90 : 230 - rng.Next(10));
                image.Data[(p * 3) + 1] = (byte)(disc ? 50 : 175);
                image.Data[(p * 3) + 2] = (byte)(disc ? 140 : 205);
            }
            ImageFile.WritePng(image, Path.Combine(data, "images", $"c{i}.png"));
            ImageFile.WritePng(labels, Path.Combine(data, "masks", $"c{i}.png"));
            lines.Add($"c{i},{(i == 2 ? "frozen" : "ffpe")},0.5");
        }
        File.WriteAllLines(Path.Combine(data, "cases.csv"), lines);
        return data;
    }

    [Fact]
    public void TrainWritesAModelThatEvaluateScores()
    {
        using var dir = new TempDir();
        var data = Dataset(dir);
        var model = dir.File("model");
        var train = UgaProcess.Run("train", "--data", data, "--where", "preparation=ffpe", "--out", model, "--members", "2", "--steps", "3",
            "--patch", "16", "--spacing", "0.5", "--batch", "2", "--depth", "2", "--base-channels", "4", "--classes", "background,nucleus");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("train member 2/2  3/3", train.Error);
        Assert.Contains("trained 2 members x 3 steps on 2 images", train.Out);
        using (var ensemble = Ensemble.Load(model))
        {
            Assert.Equal(["background", "nucleus"], ensemble.Manifest.ClassNames);
            Assert.Equal(["preparation=ffpe"], ensemble.Manifest.Training.Filter);
        }

        var report = dir.File("scores.json");
        var evaluate = UgaProcess.Run("evaluate", "--model", model, "--data", data, "--report", report);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        var lines = evaluate.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Dice per class", lines[0], StringComparison.Ordinal);
        Assert.Contains("Dice nucleus", lines[1]);
        Assert.Equal(3, lines.Count(l => l.StartsWith('c')));
        Assert.Contains(lines, l => l.StartsWith("pooled", StringComparison.Ordinal));
        Assert.Contains("\"meanForeground\"", File.ReadAllText(report));
    }

    [Theory]
    [InlineData("--steps", "0", "steps must be positive")]
    [InlineData("--members", "0", "members must be at least 1")]
    [InlineData("--patch", "18", "multiple of 2^depth")]
    [InlineData("--spacing", "0", "spacing must be positive")]
    [InlineData("--where", "preparation", "column=value")]
    [InlineData("--where", "preparation=wax", "empty dataset")]
    public void AbsurdTrainingParametersExitWithOneLine(string option, string value, string message)
    {
        using var dir = new TempDir();
        var data = Dataset(dir);
        var args = new Dictionary<string, string> { ["--data"] = data, ["--out"] = dir.File("model"), ["--steps"] = "2", ["--depth"] = "2", ["--patch"] = "16" };
        args[option] = value;
        var result = UgaProcess.Run(["train", .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir.File("model")));
    }

    [Fact]
    public void EvaluateNamesAMissingModel()
    {
        using var dir = new TempDir();
        var result = UgaProcess.Run("evaluate", "--model", dir.File("nomodel"), "--data", Dataset(dir));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(dir.File("nomodel"), result.Error);
    }
}
