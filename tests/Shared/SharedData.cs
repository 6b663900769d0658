namespace Uga.Testing;

/// <summary>
/// Finds the real public datasets in ../shared/data (beside the repository, never inside it). Tests that need
/// them call <see cref="Require"/>, which skips the test with a visible reason when the folder is absent.
/// Override the location with UGA_SHARED_DATA.
/// </summary>
public static class SharedData
{
    public static string? Root { get; } = Locate();

    /// <summary>The repository these tests were compiled from (fixtures, scripts).</summary>
    public static string RepoRoot { get; } = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SourceFile())!, "..", ".."));

    public static string Require(params string[] parts)
    {
        if (Root is null)
            Assert.Skip("../shared/data not found (set UGA_SHARED_DATA to the shared data folder to run this test)");
        var path = Path.Combine([Root!, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Skip($"shared data item missing: {path}");
        return path;
    }

    private static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("UGA_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        // The repository this file was compiled from (works when bin/obj live elsewhere, e.g. UGA_ARTIFACTS).
        var repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SourceFile())!, "..", ".."));
        var besideRepo = Path.Combine(Path.GetDirectoryName(repo)!, "shared", "data");
        if (File.Exists(Path.Combine(repo, "Uga.slnx")) && Directory.Exists(besideRepo)) return besideRepo;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && dir.GetFiles("*.slnx").Length == 0) return candidate;
            if (dir.GetFiles("Uga.slnx").Length > 0)
            {
                var beside = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared", "data");
                return Directory.Exists(beside) ? beside : null;
            }
        }
        return null;
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}

/// <summary>A temporary folder removed when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "uga-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Copies the folder tree <paramref name="from"/> to <paramref name="to"/> (e.g. a workspace to run twice); returns <paramref name="to"/>.</summary>
    public static string CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            System.IO.File.Copy(file, target);
        }
        return to;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
