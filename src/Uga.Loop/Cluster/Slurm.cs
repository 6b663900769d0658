using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;

namespace Uga.Loop.Cluster;

/// <summary>A submitted job as the workspace remembers it (W/cluster/jobs.tsv).</summary>
public sealed record SubmittedJob(string JobId, string Kind, string Units, DateTimeOffset At);

/// <summary>
/// Talks to Slurm through its own commands (sbatch, squeue), as a user would: no REST daemon to set up. Submissions
/// are appended to W/cluster/jobs.tsv so `uga cluster status` can ask about them later.
/// </summary>
public static class Slurm
{
    public static string JobsFile(string workspaceRoot) => Path.Combine(workspaceRoot, "cluster", "jobs.tsv");

    /// <summary>
    /// Submits the prediction array (after the fine-tuning, when <paramref name="finetuneScript"/> is given), then the
    /// reduction held until every task succeeded; returns the ids (the fine-tuning's null when there is none).
    /// </summary>
    public static (string? FineTuneJob, string ArrayJob, string ReduceJob) Submit(string workspaceRoot, string predictScript, string reduceScript,
        string units, string? finetuneScript = null)
    {
        string? finetune = finetuneScript is null ? null : Sbatch(finetuneScript, null);
        string array = Sbatch(predictScript, finetune);
        string reduce = Sbatch(reduceScript, array);
        var now = DateTimeOffset.UtcNow;
        var lines = new List<string>();
        if (finetune is not null) lines.Add(string.Create(CultureInfo.InvariantCulture, $"{finetune}\tfinetune\tall\t{now:O}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{array}\tpredict\t{units}\t{now:O}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{reduce}\treduce\tall\t{now:O}"));
        File.AppendAllLines(JobsFile(workspaceRoot), lines);
        return (finetune, array, reduce);
    }

    // A job held until <after> succeeded (and cancelled if it cannot: --kill-on-invalid-dep).
    private static string Sbatch(string script, string? after) => (after is null
        ? Run("sbatch", "--parsable", script)
        : Run("sbatch", "--parsable", $"--dependency=afterok:{after}", "--kill-on-invalid-dep=yes", script)).Split(';')[0].Trim();

    public static IReadOnlyList<SubmittedJob> Submitted(string workspaceRoot)
    {
        var file = JobsFile(workspaceRoot);
        if (!File.Exists(file)) return [];
        return [.. File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .Select(f => new SubmittedJob(f[0], f[1], f[2], DateTimeOffset.Parse(f[3], CultureInfo.InvariantCulture)))];
    }

    /// <summary>Job (and array task) ids still known to squeue, with their state (PENDING, RUNNING, …).</summary>
    public static IReadOnlyDictionary<string, string> Queue(IEnumerable<string> jobIds)
    {
        var ids = string.Join(",", jobIds);
        if (ids.Length == 0) return new Dictionary<string, string>();
        var text = Run("squeue", ["-h", "-r", "-o", "%i %T", "-j", ids], allowFailure: true);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
    }

    private static string Run(string command, params string[] args) => Run(command, args, allowFailure: false);

    private static string Run(string command, string[] args, bool allowFailure)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidInputException(null, $"`{command}` not found: is this a Slurm login node? (scripts/slurm-local.sh start makes a one-node cluster here)");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && !allowFailure)
                throw new InvalidInputException(null, $"{command} failed (exit {process.ExitCode}): {ImageFile.FirstLine(error.Result)}");
            return output;
        }
    }
}
