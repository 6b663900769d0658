using System.Collections.Concurrent;
using NetVips;

namespace Uga.Imaging;

/// <summary>
/// libvips reports trouble twice: an exception, and GLib warnings ("VIPS-WARNING **: Not enough image data")
/// written straight to stderr, so a corrupt image gave the user several raw lines before Uga's one. Once
/// <see cref="Capture"/> has run, those warnings are kept here instead, and <see cref="Explain"/> folds the recent
/// ones into the single error line that names the file.
/// </summary>
public static class VipsLog
{
    private const int Kept = 16;
    private static readonly TimeSpan Recent = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentQueue<(DateTime At, string Message)> Warnings = new();
    private static readonly Lazy<bool> Installed = new(Install);

    /// <summary>Routes libvips' log into this class (idempotent; every Uga entry point to libvips calls it).</summary>
    public static void Capture() => _ = Installed.Value;

    /// <summary>The first line of a libvips error plus what libvips warned about just before it, as one line.</summary>
    public static string Explain(string nativeMessage)
    {
        string first = ImageFile.FirstLine(nativeMessage);
        var cutoff = DateTime.UtcNow - Recent;
        var recent = new List<string>();
        while (Warnings.TryDequeue(out var w))
            if (w.At >= cutoff && !recent.Contains(w.Message) && w.Message != first) recent.Add(w.Message);
        return recent.Count == 0 ? first : $"{first}; libvips: {string.Join("; ", recent.Take(3))}";
    }

    private static bool Install()
    {
        try
        {
            Log.SetLogHandler("VIPS", Enums.LogLevelFlags.Warning | Enums.LogLevelFlags.Message | Enums.LogLevelFlags.Critical, Keep);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return false;   // libvips missing: the first real call says so with its own error
        }
    }

    private static void Keep(string domain, Enums.LogLevelFlags level, string message)
    {
        Warnings.Enqueue((DateTime.UtcNow, ImageFile.FirstLine(message)));
        while (Warnings.Count > Kept) Warnings.TryDequeue(out _);
    }
}
