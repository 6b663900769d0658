namespace Uga.Inference;

/// <summary>
/// What this CPU can do for inference, from /proc/cpuinfo: the vector and matrix extensions that decide which kernels
/// run (AVX2/FMA, AVX-512, AVX512-BF16, AMX) and the nominal clock, from which benchmarks state peak FLOP/s.
/// Empty (no flags, clock 0) where /proc/cpuinfo does not exist.
/// </summary>
public sealed record CpuFeatures(string Model, IReadOnlySet<string> Flags, double ClockMHz)
{
    private static readonly string[] Reported = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_tile"];

    public static CpuFeatures Current { get; } = Read("/proc/cpuinfo");

    public bool Bf16 => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");
    public bool Amx => Flags.Contains("amx_bf16") && Flags.Contains("amx_tile");

    /// <summary>The flags that change kernels, space-separated (for headers and notes).</summary>
    public string Summary => string.Join(' ', Reported.Where(Flags.Contains));

    /// <summary>
    /// Nominal float32 peak per core and cycle: 2 FMA units × lanes × 2 FLOP — 16 lanes with AVX-512 (an upper
    /// bound: Zen 4 splits 512-bit FMAs in two), 8 with AVX2 + FMA, else 4 (SSE).
    /// </summary>
    public int Fp32FlopsPerCycle => Flags.Contains("avx512f") ? 64 : Flags.Contains("avx2") && Flags.Contains("fma") ? 32 : 8;

    /// <summary>Nominal bf16 peak per core and cycle: AMX tiles 1024, AVX512-BF16 dot products twice fp32; 0 without either.</summary>
    public int Bf16FlopsPerCycle => Amx ? 1024 : Flags.Contains("avx512_bf16") ? 2 * Fp32FlopsPerCycle : 0;

    public static CpuFeatures Read(string path)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        var flags = Field("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        double.TryParse(Field("cpu MHz"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double mhz);
        var model = Field("model name");
        return new CpuFeatures(model.Length > 0 ? model : "unknown CPU", flags, mhz);
    }
}
