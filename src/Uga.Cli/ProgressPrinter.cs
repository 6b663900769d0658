using System.Globalization;
using Uga.Imaging;

namespace Uga.Cli;

/// <summary>
/// Renders <see cref="WorkProgress"/> reports as plain, throttled lines — "stage done/total  rate  ETA  detail" —
/// that read well both in a terminal and in CI logs (no cursor tricks). A line is written when a stage starts,
/// when it completes, and otherwise at most once per <see cref="MinInterval"/>. Rate and ETA are measured from
/// the stage's first report. Reports are handled synchronously on the caller's thread.
/// </summary>
public sealed class ProgressPrinter : IProgress<WorkProgress>
{
    private readonly TextWriter writer;
    private readonly TimeProvider clock;
    private readonly object gate = new();
    private string? stage;
    private long stageStart;
    private long startDone;
    private long lastPrinted;

    public ProgressPrinter(TextWriter writer, TimeSpan? minInterval = null, TimeProvider? clock = null)
    {
        this.writer = writer;
        this.clock = clock ?? TimeProvider.System;
        MinInterval = minInterval ?? TimeSpan.FromSeconds(2);
    }

    /// <summary>
    /// Progress on standard error, so standard output stays clean for results. With UGA_PROGRESS=json each line is a
    /// JSON object (stage, done, total, etaSeconds, detail) instead: how `uga serve` follows the jobs it starts.
    /// </summary>
    public static ProgressPrinter ToStandardError() =>
        new(Console.Error) { Json = Environment.GetEnvironmentVariable("UGA_PROGRESS") == "json" };

    /// <summary>Write JSON lines (for programs) instead of text lines (for people).</summary>
    public bool Json { get; init; }

    public TimeSpan MinInterval { get; }

    public void Report(WorkProgress value)
    {
        lock (gate)
        {
            long now = clock.GetTimestamp();
            bool newStage = value.Stage != stage;
            if (newStage)
            {
                stage = value.Stage;
                stageStart = now;
                startDone = value.Done;
            }
            bool finished = value.Total > 0 && value.Done >= value.Total;
            if (!newStage && !finished && clock.GetElapsedTime(lastPrinted, now) < MinInterval) return;
            lastPrinted = now;
            var elapsed = clock.GetElapsedTime(stageStart, now);
            writer.WriteLine(Json ? FormatJson(value, elapsed, value.Done - startDone) : Format(value, elapsed, value.Done - startDone));
            writer.Flush();
        }
    }

    /// <summary>One progress line; <paramref name="elapsed"/> and <paramref name="doneInStage"/> give the rate.</summary>
    public static string Format(WorkProgress value, TimeSpan elapsed, long doneInStage)
    {
        var parts = new List<string> { value.Stage, value.Total > 0 ? $"{value.Done}/{value.Total}" : $"{value.Done}" };
        if (doneInStage > 0 && elapsed > TimeSpan.Zero)
        {
            double rate = doneInStage / elapsed.TotalSeconds;
            parts.Add(rate >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{rate:0.0}/s") : string.Create(CultureInfo.InvariantCulture, $"{1 / rate:0.00}s each"));
            if (value.Total > 0 && value.Done < value.Total)
                parts.Add("ETA " + Duration(TimeSpan.FromSeconds((value.Total - value.Done) / rate)));
            else if (value.Total > 0)
                parts.Add("took " + Duration(elapsed));
        }
        if (!string.IsNullOrEmpty(value.Detail)) parts.Add(value.Detail);
        return string.Join("  ", parts);
    }

    /// <summary>One progress report as a JSON line; etaSeconds is null until a rate is known.</summary>
    public static string FormatJson(WorkProgress value, TimeSpan elapsed, long doneInStage)
    {
        double? eta = doneInStage > 0 && elapsed > TimeSpan.Zero && value.Total > 0
            ? Math.Max(0, (value.Total - value.Done) / (doneInStage / elapsed.TotalSeconds)) : null;
        return System.Text.Json.JsonSerializer.Serialize(new { stage = value.Stage, done = value.Done, total = value.Total, etaSeconds = eta, detail = value.Detail });
    }

    /// <summary>h:mm:ss, or m:ss under an hour.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
}
