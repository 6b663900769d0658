using System.Diagnostics;

namespace Uga.Testing;

/// <summary>Runs the real `uga` executable as a user would, in a child process, and captures what it printed.</summary>
internal static class UgaProcess
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args) =>
        RunAsync(null, args).GetAwaiter().GetResult();

    /// <summary>Runs uga with extra environment variables; several may run at once.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        // Read both streams concurrently so a full pipe never blocks the child.
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts uga with both output streams redirected, for tests that watch, measure or kill it while it runs.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        // Through `env --default-signal=INT`: a test runner started in the background (`cmd &` without job control)
        // passes SIGINT on as ignored, and then the Ctrl-C tests would test nothing; env execs dotnet in place, so
        // the process id stays uga's.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "uga.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>Runs a system tool (mount, scancel, a project script); exit code -1 when it is not installed.</summary>
    public static (int ExitCode, string Error) RunTool(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            stdout.Wait();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, $"{file}: not installed");
        }
    }
}
