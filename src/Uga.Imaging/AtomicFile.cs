namespace Uga.Imaging;

/// <summary>
/// Writes a file (or a folder) under a temporary name beside its final one and renames it into place, so an
/// interrupted or failed write never leaves something half-written under the final name.
/// </summary>
public static class AtomicFile
{
    public static string TempPathFor(string finalPath) =>
        System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(finalPath))!,
            $".{System.IO.Path.GetFileName(finalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Calls <paramref name="write"/> with a temporary path, then renames it over <paramref name="finalPath"/>.</summary>
    public static void Write(string finalPath, Action<string> write)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(finalPath))!;
        Directory.CreateDirectory(dir);
        var tmp = TempPathFor(finalPath);
        try
        {
            write(tmp);
            File.Move(tmp, finalPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllText(string finalPath, string text) =>
        Write(finalPath, tmp => File.WriteAllText(tmp, text));

    public static void WriteAllBytes(string finalPath, byte[] bytes) =>
        Write(finalPath, tmp => File.WriteAllBytes(tmp, bytes));

    /// <summary>
    /// Renames a finished folder <paramref name="tmp"/> to <paramref name="finalDir"/>, replacing an existing one: the old
    /// folder is moved aside first, so a reader sees the old or the new folder, never a mixture.
    /// </summary>
    public static void MoveDirectoryInto(string tmp, string finalDir)
    {
        if (Directory.Exists(finalDir))
        {
            var old = TempPathFor(finalDir);
            Directory.Move(finalDir, old);
            Directory.Move(tmp, finalDir);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(tmp, finalDir);
        }
    }

    /// <summary>Builds a folder under a temporary name and renames it into place; an existing folder is replaced.</summary>
    public static void WriteDirectory(string finalDir, Action<string> write)
    {
        var full = System.IO.Path.GetFullPath(finalDir);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var tmp = TempPathFor(full);
        try
        {
            Directory.CreateDirectory(tmp);
            write(tmp);
            MoveDirectoryInto(tmp, full);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }
}
