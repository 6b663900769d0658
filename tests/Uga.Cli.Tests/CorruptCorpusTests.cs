using Uga.Fuzz;
using Uga.Imaging;

namespace Uga.Cli.Tests;

/// <summary>
/// The corrupt-file corpus (fuzz/Uga.Fuzz/CorruptCorpus) through the real CLI: every broken file gives exactly one
/// line on stderr naming the file, a non-zero exit, no crash, memory within bounds (the managed heap capped at
/// 1 GB, so an allocation sized by a lying header fails the test), and nothing in the output folder.
/// </summary>
public sealed class CorruptCorpusTests
{
    private const long MaxResidentBytes = 1L << 30;

    public static TheoryData<string> Cases() => [.. CorruptCorpus.Names(SharedData.Root)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BrokenFileIsRefusedWithOneLineAndNothingWritten(string name)
    {
        using var dir = new TempDir();
        var corpus = Assert.Single(CorruptCorpus.Write(dir.File("corpus"), SharedData.Root, only: name));
        var outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        var args = corpus.Command.Select(a => a.Replace("FILE", corpus.File, StringComparison.Ordinal).Replace("OUT", outDir, StringComparison.Ordinal)).ToArray();
        await AssertRefused(corpus.File, outDir, corpus.Breakage, args);
    }

    [Fact]
    public async Task ZeroByteModelMemberIsRefusedWithOneLine()
    {
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, ["background", "nucleus"], 0.5, patchSize: 32);
        var member = Path.Combine(model, "member-1.pt");
        File.WriteAllBytes(member, []);
        var image = dir.File("tile.png");
        ImageFile.WritePng(new RgbImage(64, 64), image);
        var outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        await AssertRefused(member, outDir, "0-byte model member", "predict", "--model", model, "--image", image, "--out", outDir, "--image-spacing", "0.5");
    }

    private static async Task AssertRefused(string file, string outDir, string breakage, params string[] args)
    {
        var (code, stderr, peak) = await RunMeasured(args);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code != 0, $"{breakage}: uga exited 0");
        Assert.True(code is 1 or 2, $"{breakage}: uga crashed (exit {code}): {stderr}");
        Assert.True(lines.Length == 1, $"{breakage}: {lines.Length} lines on stderr, not one:\n{stderr}");
        Assert.Contains(Path.GetFileName(file), lines[0]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
        Assert.True(peak < MaxResidentBytes, $"{breakage}: peak resident memory {peak >> 20} MB");
    }

    // The child's own high-water mark (VmHWM), polled until it exits; the last reading before exit is the peak.
    private static async Task<(int Code, string Stderr, long PeakBytes)> RunMeasured(string[] args)
    {
        using var process = UgaProcess.Start(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x40000000" }, args);
        var cancel = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, HighWaterMark(process.Id));
            await Task.Delay(20, cancel);
        }
        await process.WaitForExitAsync(cancel);
        await stdout;
        return (process.ExitCode, await stderr, peak);
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;   // exited between the check and the read
        }
    }
}
