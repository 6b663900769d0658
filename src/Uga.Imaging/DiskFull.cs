namespace Uga.Imaging;

/// <summary>
/// A full disk, told as the one-line error Uga gives for bad input: it is not a bug, the user can act on it, and
/// every writer in Uga writes to a temporary name first, so nothing half-written was left under a final name.
/// </summary>
public sealed class DiskFullException(string? path, Exception? inner = null)
    : InvalidInputException(path, $"no space left on the device{Free(path)}; nothing was written under a final name: free space and run the command again", inner)
{
    private const int Enospc = 28;

    /// <summary>Whether <paramref name="e"/> is the operating system saying the device is full.</summary>
    public static bool IsNoSpace(Exception e) =>
        e is IOException io && (io.HResult == Enospc || io.Message.Contains("No space left on device", StringComparison.Ordinal));

    /// <summary>Whether the file system holding <paramref name="path"/> has (almost) nothing left.</summary>
    public static bool IsAlmostFull(string path, long threshold = 1 << 20) => FreeBytes(path) < threshold;

    private static string Free(string? path) => path is not null && FreeBytes(path) is { } free ? $" ({free / 1024} kB free)" : "";

    // Free bytes on the file system holding path (a folder, or a file's folder); null when it cannot be asked.
    private static long? FreeBytes(string path)
    {
        try
        {
            var dir = Directory.Exists(path) ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? path;
            return new DriveInfo(dir).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
