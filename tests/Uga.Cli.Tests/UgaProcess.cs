using System.Diagnostics;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga` executable as a user would, in a child process, and captures what it printed.</summary>
internal static class UgaProcess
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "uga.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        // Read both streams concurrently so a full pipe never blocks the child.
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
