using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Uga.Server;

/// <summary>One thing a job reports: progress of a step, a step starting, a log line, or the end.</summary>
public sealed record JobEvent(int Seq, string Type, string? Step = null, string? Stage = null, long? Done = null, long? Total = null,
    double? EtaSeconds = null, string? Detail = null, string? Message = null);

/// <summary>What a fine-tuning job does after the fine-tuning: its settings, read from the latest round.</summary>
public sealed record JobRequest(int? Steps = null, int? K = null);

/// <summary>
/// A background job: `uga finetune`, then `uga predict --workspace` with the new version, then `uga rank --workspace`
/// (a new round, re-ranked). Each step is a separate process (torch state is process-wide; the server stays
/// responsive) that reports JSON progress (UGA_PROGRESS=json) on standard error. Events are kept, so a page that
/// connects late replays them.
/// </summary>
public sealed class Job
{
    private readonly List<JobEvent> events = [];
    private readonly object gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Job(string id) => Id = id;

    public string Id { get; }
    public string State { get; private set; } = "running";
    public string? Error { get; private set; }
    internal CancellationTokenSource Cancel { get; } = new();

    public bool Finished => State != "running";

    /// <summary>Events from <paramref name="from"/> on, and a task that completes when there are more.</summary>
    public (IReadOnlyList<JobEvent> Events, Task More) Since(int from)
    {
        lock (gate) return (events.Skip(from).ToList(), changed.Task);
    }

    internal void Add(Func<int, JobEvent> make)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            events.Add(make(events.Count));
            wake = changed;
            changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.TrySetResult();
    }

    internal void End(string state, string? error)
    {
        lock (gate) (State, Error) = (state, error);
        Add(seq => new JobEvent(seq, "end", Message: error ?? state, Detail: state));
    }
}

/// <summary>Runs at most one job per workspace (a second request while one runs is refused).</summary>
public sealed class JobRunner(WorkbenchOptions options, WorkspaceAccess access) : IDisposable
{
    private readonly object gate = new();
    private Job? current;
    private int count;

    public Job? Current { get { lock (gate) return current; } }

    /// <summary>Starts the fine-tune → predict → rank job, or returns null when one is running.</summary>
    public Job? Start(JobRequest request)
    {
        lock (gate)
        {
            if (current is { Finished: false }) return null;
            current = new Job("job" + (++count).ToString(CultureInfo.InvariantCulture));
            var job = current;
            _ = Task.Run(() => Run(job, request));
            return job;
        }
    }

    private async Task Run(Job job, JobRequest request)
    {
        try
        {
            var rankArgs = RankArgs(LastRanking(), request.K);
            string t = options.JobThreads.ToString(CultureInfo.InvariantCulture);
            var steps = new List<(string Name, string[] Args)>
            {
                ("fine-tune", ["finetune", "--workspace", access.Root, "--threads", t, .. (request.Steps ?? options.FineTuneSteps) is { } s ? new[] { "--steps", s.ToString(CultureInfo.InvariantCulture) } : []]),
                ("predict", ["predict", "--workspace", access.Root, "--threads", t]),
                ("rank", ["rank", "--workspace", access.Root, .. rankArgs, "--pre-annotate", "--threads", t]),
            };
            foreach (var (name, args) in steps)
            {
                job.Add(seq => new JobEvent(seq, "step", Step: name, Message: "uga " + string.Join(' ', args)));
                var error = await RunProcess(job, name, args);
                if (job.Cancel.IsCancellationRequested) { job.End("cancelled", null); return; }
                if (error is not null) { job.End("failed", $"{name}: {error}"); return; }
            }
            job.End("succeeded", null);
        }
        catch (Exception e)
        {
            job.End("failed", e.Message);
        }
    }

    // The latest round's rank.json (null when there is none or it is unreadable).
    private JsonNode? LastRanking()
    {
        using var ws = access.Open();
        var round = ws.Round(null);
        var summary = round is null ? null : ws.PathOf(Path.Combine(round.Folder, "queue", "rank.json"));
        if (summary is null || !File.Exists(summary)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(summary));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// `uga rank` options that ask the next round the way the last one was asked (its rank.json): K (or
    /// <paramref name="k"/>), strategy, K mode, patch size, spacing and stride, minimum tissue and distance, per-slide cap.
    /// </summary>
    internal static List<string> RankArgs(JsonNode? last, int? k)
    {
        static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        double? Number(string name) => last?[name] is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d) ? d : null;
        var args = new List<string> { "--k", (k ?? (int?)Number("k") ?? 5).ToString(CultureInfo.InvariantCulture) };
        if (last?["strategy"] is JsonValue s && s.TryGetValue(out string? strategy)) args.AddRange(["--strategy", strategy]);
        if (last?["kMode"] is JsonValue m && m.TryGetValue(out string? mode) && Enum.TryParse<Uga.Ranking.KMode>(mode, ignoreCase: true, out var parsed))
            args.AddRange(["--k-mode", Uga.Ranking.KModes.Name(parsed)]);
        foreach (var (name, option) in new[] { ("patchSizePx", "--patch"), ("patchSpacingUm", "--patch-spacing"), ("stridePx", "--stride"),
            ("minTissueFraction", "--min-tissue"), ("minDistanceUm", "--min-distance"), ("maxPerSlide", "--max-per-slide") })
            if (Number(name) is { } value) args.AddRange([option, Text(value)]);
        return args;
    }

    private async Task<string?> RunProcess(Job job, string step, string[] args)
    {
        var start = new ProcessStartInfo(options.Uga.FileName) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in options.Uga.Prefix.Concat(args)) start.ArgumentList.Add(a);
        start.Environment["UGA_PROGRESS"] = "json";
        start.Environment["OMP_NUM_THREADS"] = options.JobThreads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.Uga.FileName}");
        string? lastLine = null;
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line) job.Add(seq => new JobEvent(seq, "log", Step: step, Message: line));
        });
        using var registration = job.Cancel.Token.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('{') && Progress(line) is { } p) job.Add(seq => p with { Seq = seq, Step = step });
            else if (line.Length > 0) { lastLine = line; job.Add(seq => new JobEvent(seq, "log", Step: step, Message: line)); }
        }
        await process.WaitForExitAsync();
        await stdout;
        return process.ExitCode == 0 ? null : lastLine ?? $"exit code {process.ExitCode}";
    }

    private static JobEvent? Progress(string line)
    {
        try
        {
            var j = JsonNode.Parse(line);
            return j is null ? null : new JobEvent(0, "progress", Stage: (string?)j["stage"], Done: (long?)j["done"], Total: (long?)j["total"],
                EtaSeconds: (double?)j["etaSeconds"], Detail: (string?)j["detail"]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool CancelCurrent(string id)
    {
        var job = Current;
        if (job is null || job.Id != id || job.Finished) return false;
        job.Cancel.Cancel();
        return true;
    }

    public void Dispose()
    {
        var job = Current;
        if (job is { Finished: false }) job.Cancel.Cancel();
    }
}
