using System.Diagnostics;

namespace Uga.Fuzz.Tests;

/// <summary>
/// The fuzzing harness itself (fuzz/): every input AFL++ ever crashed a parser with stays here as a regression
/// (fuzz/regressions/TARGET/*), the seeds are valid inputs, and a short real AFL++ run of every target finds nothing.
/// </summary>
public class FuzzHarnessTests
{
    private static string Regressions => Path.Combine(SharedData.RepoRoot, "fuzz", "regressions");

    public static TheoryData<string, string> RegressionInputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.EnumerateDirectories(Regressions).Order(StringComparer.Ordinal))
            foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(RegressionInputs))]
    public void EveryInputThatOnceCrashedIsNowRefusedWithOneClearLine(string target, string file)
    {
        Assert.Contains(target, FuzzTargets.Names);
        using var scratch = new TempDir();
        bool parsed = FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(Regressions, target, file)), scratch.Path);
        Assert.False(parsed, $"{target}/{file} is corrupt and must be refused, not accepted");
    }

    [Fact]
    public void EverySeedIsAValidInputOfItsTarget()
    {
        using var dir = new TempDir();
        foreach (var target in FuzzTargets.Names)
        {
            var seeds = Path.Combine(dir.Path, target);
            Assert.True(SeedCorpus.Write(target, seeds, SharedData.Root) > 0, $"{target} has no seeds");
            foreach (var seed in Directory.EnumerateFiles(seeds))
                Assert.True(FuzzTargets.Run(target, File.ReadAllBytes(seed), Path.Combine(dir.Path, "scratch")), $"{target} refused its own seed {Path.GetFileName(seed)}");
        }
    }

    [Fact]
    public void UnknownTargetIsAnError() =>
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-parser", [], Path.GetTempPath()));

    /// <summary>The default suite's short fuzzing run (fuzz/run.sh; long runs: docs/reliability.md).</summary>
    [Fact]
    public async Task ShortAflRunOfEveryTargetFindsNoCrashOrHang()
    {
        if (!File.Exists("/usr/bin/afl-fuzz"))
            Assert.Skip("afl-fuzz not installed (scripts/setup.sh --fuzz installs afl++; the test command runs it)");
        using var dir = new TempDir();
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("UGA_FUZZ_SECONDS"), out var s) ? s : 8;
        var run = new ProcessStartInfo("bash", [Path.Combine(SharedData.RepoRoot, "fuzz", "run.sh"), "--seconds", $"{seconds}", "--out", dir.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SharedData.RepoRoot,
        };
        run.Environment["UGA_FUZZ_NO_BUILD"] = "1";   // the solution build already built the harness
        using var process = Process.Start(run)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(stdout);
        Assert.True(process.ExitCode == 0, $"fuzz/run.sh exited {process.ExitCode}:\n{stdout}\n{await stderr}");
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "summary.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(FuzzTargets.Names.Order(StringComparer.Ordinal), rows.Select(r => r[0]).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            Assert.True(long.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture) >= 100, $"{row[0]}: only {row[2]} executions");
            Assert.Equal(("0", "0"), (row[4], row[5]));
        }
    }
}
