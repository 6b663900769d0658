namespace Uga.Cli.Tests;

/// <summary>
/// A workspace on a small tmpfs filled to the brim: each writing command fails with one clear line and a non-zero
/// exit, the workspace still opens with everything acknowledged, nothing half-written is visible, and after space
/// is freed the same command completes. Needs root (mount); skips with the reason otherwise.
/// </summary>
public sealed class DiskFullTests
{
    // Nothing left fails when the store opens; 48 kB left lets it open and fails a later write (patches, model, artifact).
    [Theory]
    [InlineData("import", 0)]
    [InlineData("finetune", 0)]
    [InlineData("predict", 0)]
    [InlineData("import", 48)]
    [InlineData("finetune", 48)]
    [InlineData("predict", 48)]
    public async Task FullDiskGivesOneLineLosesNothingAndTheCommandCompletesOnceSpaceIsBack(string command, int leftKb)
    {
        using var dir = new TempDir();
        var mount = dir.File("small-disk");
        Directory.CreateDirectory(mount);
        if (!Mount(mount, "64m")) Assert.Skip("cannot mount a tmpfs here (needs root); the disk-full test runs in CI as root");
        try
        {
            var ws = Path.Combine(mount, "ws");
            var slide = WorkspaceCommandTests.WorkspaceWithOneRound(dir, ws);
            var second = WorkspaceCommandTests.Asap(dir, "background", "second.xml", offset: 2);
            string[] args = command switch
            {
                "import" => ["annotations", "import", "--workspace", ws, second, "--slide", slide],
                "finetune" => ["finetune", "--workspace", ws, "--steps", "2", "--batch", "2", "--threads", "1"],
                _ => ["predict", "--workspace", ws, "--threads", "1"],
            };
            var acknowledged = RankWorkspaceCommandTests.Snapshot(ws);
            var filler = Path.Combine(mount, "filler");
            Fill(filler, mount, leftKb * 1024L);

            var (code, _, stderr) = await UgaProcess.RunAsync(null, args);

            // Progress lines may precede it on stderr; the failure itself is one line, with no trace or native noise.
            var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("train member", StringComparison.Ordinal)).ToList();
            Assert.True(code != 0, $"{command} succeeded on a full disk");
            Assert.True(errors.Count == 1 && errors[0].StartsWith("uga: error: ", StringComparison.Ordinal) && errors[0].Contains("no space left", StringComparison.OrdinalIgnoreCase),
                $"{command} on a full disk printed:\n{stderr}");
            var leftovers = Directory.EnumerateFileSystemEntries(ws, "*.tmp*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(ws, p)).ToList();
            Assert.True(leftovers.Count == 0, $"temporaries left behind: {string.Join(", ", leftovers)}");
            File.Delete(filler);
            Assert.Equal(acknowledged, RankWorkspaceCommandTests.Snapshot(ws));
            var again = await UgaProcess.RunAsync(null, args);
            Assert.True(again.ExitCode == 0, again.Error);
        }
        finally
        {
            UgaProcess.RunTool("umount", "-l", mount);
        }
    }

    // Fills the file system until only <paramref name="left"/> bytes remain (or the write fails).
    private static void Fill(string path, string mount, long left)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 12);
        var block = new byte[1 << 12];
        try
        {
            while (new DriveInfo(mount).AvailableFreeSpace > left + block.Length)
            {
                stream.Write(block);
                stream.Flush();
            }
            if (left == 0) while (true) stream.Write(block);
        }
        catch (IOException)
        {
            // full
        }
        try
        {
            stream.Flush();
        }
        catch (IOException)
        {
            // the buffered remainder does not fit either
        }
    }

    private static bool Mount(string at, string size) => UgaProcess.RunTool("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", at).ExitCode == 0;
}
