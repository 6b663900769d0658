using System.Diagnostics;

namespace Uga.Experiments;

/// <summary>Wall-clock and process CPU (user + system) seconds of one piece of work, for the "time per stage" tables.</summary>
internal static class StageTimer
{
    public static (T Result, double WallSeconds, double CpuSeconds) Measure<T>(Func<T> work)
    {
        var wall = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = work();
        return (result, wall.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
}
