namespace Uga.Cli.Tests;

/// <summary>`uga simulate` refuses bad input with one line naming the problem, before any training.</summary>
public sealed class SimulateCommandTests
{
    [Fact]
    public void Missing_target_folder_is_named()
    {
        var glas = SharedData.Require("glas");
        using var dir = new TempDir();
        var missing = dir.File("no-such-target");
        var (code, _, error) = UgaProcess.Run("simulate", "--source", glas, "--source-where", "split=train", "--source-spacing", "0.5",
            "--target", missing, "--preset", "quick", "--out", dir.File("report"));
        Assert.Equal(2, code);
        Assert.Equal($"uga: error: {missing}: target folder not found", error.Trim());
        Assert.False(Directory.Exists(dir.File("report")));
    }

    [Theory]
    [InlineData("--k", "5,x", "--k needs comma-separated whole numbers, got '5,x'")]
    [InlineData("--k-mode", "slides", "unknown --k-mode 'slides'; valid: per-slide, total, pooled")]
    [InlineData("--strategies", "uga-paper,best", "unknown ranking strategy 'best'")]
    [InlineData("--folds", "1", "folds must be at least 2")]
    [InlineData("--preset", "huge", "unknown --preset 'huge'; valid: default, quick")]
    [InlineData("--patch-share", "1", "patch share must be in (0, 1), got 1")]
    public void Absurd_parameters_are_one_line_errors(string option, string value, string expected)
    {
        using var dir = new TempDir();
        var (code, _, error) = UgaProcess.Run("simulate", "--source", dir.Path, "--target", dir.Path, "--out", dir.File("report"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
