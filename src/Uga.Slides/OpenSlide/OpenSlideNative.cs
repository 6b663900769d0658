using System.Reflection;
using System.Runtime.InteropServices;

namespace Uga.Slides.OpenSlide;

/// <summary>
/// A thin binding to the OpenSlide C API (3.4.1: Debian's libopenslide0, soname libopenslide.so.0; 4.x keeps the
/// same calls under libopenslide.so.1). Only what Uga needs; every call on a handle goes through
/// <see cref="OpenSlideHandle"/> so a slide cannot be closed while a read is running.
/// </summary>
internal static partial class OpenSlideNative
{
    private const string Library = "openslide";

    private static readonly string[] Candidates = ["libopenslide.so.0", "libopenslide.so.1", "libopenslide.so", "libopenslide.1.dylib", "libopenslide-1.dll", "libopenslide-0.dll"];

    private static readonly Lazy<string?> LoadError = new(TryLoad);

    static OpenSlideNative() =>
        NativeLibrary.SetDllImportResolver(typeof(OpenSlideNative).Assembly, Resolve);

    /// <summary>Null if libopenslide can be loaded, else why not.</summary>
    public static string? UnavailableReason => LoadError.Value;

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library) return IntPtr.Zero;
        foreach (var candidate in Candidates)
            if (NativeLibrary.TryLoad(candidate, assembly, path, out var handle)) return handle;
        return IntPtr.Zero;
    }

    private static string? TryLoad()
    {
        try
        {
            _ = openslide_get_version();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"libopenslide could not be loaded ({e.GetType().Name}); install it: apt-get install libopenslide0 (or run scripts/setup.sh)";
        }
    }

    [LibraryImport(Library)]
    private static partial IntPtr openslide_get_version();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr openslide_detect_vendor(string filename);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial OpenSlideHandle openslide_open(string filename);

    [LibraryImport(Library)]
    internal static partial void openslide_close(IntPtr osr);

    [LibraryImport(Library)]
    private static partial IntPtr openslide_get_error(OpenSlideHandle osr);

    [LibraryImport(Library)]
    internal static partial int openslide_get_level_count(OpenSlideHandle osr);

    [LibraryImport(Library)]
    internal static partial void openslide_get_level_dimensions(OpenSlideHandle osr, int level, out long w, out long h);

    [LibraryImport(Library)]
    internal static partial double openslide_get_level_downsample(OpenSlideHandle osr, int level);

    [LibraryImport(Library)]
    internal static partial void openslide_read_region(OpenSlideHandle osr, ref uint dest, long x, long y, int level, long w, long h);

    [LibraryImport(Library)]
    private static partial IntPtr openslide_get_property_names(OpenSlideHandle osr);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr openslide_get_property_value(OpenSlideHandle osr, string name);

    /// <summary>OpenSlide's format name for the file ("aperio", "generic-tiff", …), or null if OpenSlide does not recognise it.</summary>
    public static string? DetectVendor(string path) => Marshal.PtrToStringUTF8(openslide_detect_vendor(path));

    /// <summary>The handle's sticky error (once set, every later call fails), or null.</summary>
    public static string? GetError(OpenSlideHandle osr) => Marshal.PtrToStringUTF8(openslide_get_error(osr));

    public static Dictionary<string, string> GetProperties(OpenSlideHandle osr)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = openslide_get_property_names(osr);
        if (names == IntPtr.Zero) return result;
        for (int i = 0; ; i++)
        {
            var namePtr = Marshal.ReadIntPtr(names, i * IntPtr.Size);
            if (namePtr == IntPtr.Zero) break;
            var name = Marshal.PtrToStringUTF8(namePtr)!;
            result[name] = Marshal.PtrToStringUTF8(openslide_get_property_value(osr, name)) ?? "";
        }
        return result;
    }
}

/// <summary>Owns an openslide_t*; released with openslide_close when the last user lets go.</summary>
internal sealed class OpenSlideHandle : SafeHandle
{
    public OpenSlideHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        OpenSlideNative.openslide_close(handle);
        return true;
    }
}
