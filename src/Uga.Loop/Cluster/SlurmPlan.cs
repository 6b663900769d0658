using System.Globalization;
using System.Text;
using Uga.Imaging;

namespace Uga.Loop.Cluster;

/// <summary>How a round's prediction units and their reduction run on Slurm (sbatch options).</summary>
public sealed record SlurmOptions
{
    public required int Units { get; init; }
    public string? Partition { get; init; }
    public int? ArrayParallel { get; init; }
    public int CpusPerTask { get; init; } = 1;
    public string? Memory { get; init; }
    public string? TimeLimit { get; init; }

    /// <summary>1-based units to run; null = all (the resubmission of failed units lists them).</summary>
    public IReadOnlyList<int>? Only { get; init; }

    public void Validate()
    {
        if (Units < 1) throw new InvalidInputException(null, $"--units must be at least 1, got {Units}");
        if (CpusPerTask < 1) throw new InvalidInputException(null, $"--cpus-per-task must be at least 1, got {CpusPerTask}");
        if (ArrayParallel is < 1) throw new InvalidInputException(null, $"--array-parallel must be at least 1, got {ArrayParallel}");
        if (Only?.FirstOrDefault(u => u < 1 || u > Units) is { } bad and not 0)
            throw new InvalidInputException(null, $"unit {bad} is not one of 1..{Units}");
    }
}

/// <summary>
/// The two batch scripts of a round on Slurm: an array job whose task i predicts unit i/N of the workspace's slides
/// (`uga predict --workspace W --shard i/N`, artifacts only, idempotent) and the reduction (`uga rank --workspace W
/// --units N`), which Slurm starts only after every task succeeded (afterok) and which refuses, naming the units,
/// if any artifact is missing. The workspace must be on storage every node sees; only the reduction writes the store.
/// </summary>
public static class SlurmPlan
{
    /// <param name="uga">How a node runs uga (e.g. "/usr/bin/dotnet /opt/uga/uga.dll").</param>
    public static (string Predict, string Reduce) Scripts(string workspaceRoot, SlurmOptions options, string uga, IReadOnlyList<string> rankArgs)
    {
        options.Validate();
        string root = Path.GetFullPath(workspaceRoot);
        string logs = Path.Combine(root, "cluster", "logs");
        string array = options.Only is { Count: > 0 } only ? string.Join(",", only) : $"1-{options.Units}";
        if (options.ArrayParallel is { } m) array += $"%{m}";
        var predict = Header("uga-predict", options, Path.Combine(logs, "predict-%A_%a.out"))
            .Append(CultureInfo.InvariantCulture, $"#SBATCH --array={array}\n")
            .Append(Body(options))
            .Append(CultureInfo.InvariantCulture, $"exec {uga} predict --workspace {ShellWords.Quote(root)} --shard \"${{SLURM_ARRAY_TASK_ID}}/{options.Units}\" --threads {options.CpusPerTask}{ShellWords.RankArgs(rankArgs)}\n");
        var reduce = SingleTask("uga-rank", Path.Combine(logs, "rank-%j.out"), options, $"{uga} rank --workspace {ShellWords.Quote(root)} --units {options.Units}", rankArgs);
        return (predict.ToString(), reduce);
    }

    /// <summary>
    /// The fine-tuning that opens a round on the cluster: one task (`uga finetune --workspace W`) that writes the next
    /// version, which the prediction array then uses (submitted with --dependency=afterok on it).
    /// </summary>
    public static string FineTuneScript(string workspaceRoot, SlurmOptions options, string uga, IReadOnlyList<string> finetuneArgs)
    {
        options.Validate();
        string root = Path.GetFullPath(workspaceRoot);
        return SingleTask("uga-finetune", Path.Combine(root, "cluster", "logs", "finetune-%j.out"), options, $"{uga} finetune --workspace {ShellWords.Quote(root)}", finetuneArgs);
    }

    // A single-task script: `exec COMMAND --threads C ARGS…`, logged to <log>.
    private static string SingleTask(string name, string log, SlurmOptions options, string command, IReadOnlyList<string> args) =>
        Header(name, options, log)
            .Append(Body(options))
            .Append(CultureInfo.InvariantCulture, $"exec {command} --threads {options.CpusPerTask}")
            .Append(string.Concat(args.Select(a => " " + ShellWords.Quote(a)))).Append('\n').ToString();

    private static StringBuilder Header(string name, SlurmOptions options, string log)
    {
        var text = new StringBuilder("#!/bin/bash\n# Written by `uga cluster slurm`; submit with sbatch (the reduction with --dependency=afterok:<array job>).\n");
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={name}\n#SBATCH --output={log}\n#SBATCH --cpus-per-task={options.CpusPerTask}\n");
        if (options.Partition is { } p) text.Append(CultureInfo.InvariantCulture, $"#SBATCH --partition={p}\n");
        if (options.Memory is { } mem) text.Append(CultureInfo.InvariantCulture, $"#SBATCH --mem={mem}\n");
        if (options.TimeLimit is { } t) text.Append(CultureInfo.InvariantCulture, $"#SBATCH --time={t}\n");
        return text;
    }

    // libtorch's OpenMP threads spin-wait: one per allotted CPU, never more than Slurm gave the task.
    private static string Body(SlurmOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"set -euo pipefail\nexport OMP_NUM_THREADS={options.CpusPerTask}\n");
}
