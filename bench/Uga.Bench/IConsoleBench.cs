namespace Uga.Bench;

/// <summary>A benchmark run as `uga-bench NAME [options]` that prints its own measurements (peak RSS, throughput).</summary>
public interface IConsoleBench
{
    string Name { get; }
    string Description { get; }
    int Run(string[] args);
}

/// <summary>Minimal "--key value" parsing shared by console benchmarks.</summary>
public static class BenchArgs
{
    public static string Get(string[] args, string key, string fallback)
    {
        int i = Array.IndexOf(args, key);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static int GetInt(string[] args, string key, int fallback) =>
        int.Parse(Get(args, key, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Peak resident set size of this process so far (Linux VmHWM), in MiB.</summary>
    public static double PeakRssMiB()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
