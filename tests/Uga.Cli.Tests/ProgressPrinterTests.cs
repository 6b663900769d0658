using Uga.Imaging;

namespace Uga.Cli.Tests;

public sealed class ProgressPrinterTests
{
    [Fact]
    public void ThrottlesLinesAndShowsRateAndEta()
    {
        var clock = new ManualClock();
        var text = new StringWriter();
        var printer = new ProgressPrinter(text, TimeSpan.FromSeconds(2), clock);
        printer.Report(new WorkProgress("train member 1/2", 1, 100, "loss 0.9"));   // new stage: printed
        for (int done = 2; done <= 20; done++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            printer.Report(new WorkProgress("train member 1/2", done, 100, "loss 0.5"));
        }
        clock.Advance(TimeSpan.FromSeconds(1));
        printer.Report(new WorkProgress("train member 1/2", 100, 100, "loss 0.1"));  // finished: printed
        printer.Report(new WorkProgress("train member 2/2", 1, 100));                // new stage: printed
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        Assert.Equal("train member 1/2  1/100  loss 0.9", lines[0]);
        // 19 reports over 4.75 s with a 2 s interval: two intermediate lines.
        Assert.Equal(2, lines.Count(l => l.Contains("loss 0.5", StringComparison.Ordinal)));
        Assert.Contains("  4.0/s  ETA 0:2", lines[1]);   // 8 steps in 2 s, 91 to go
        Assert.StartsWith("train member 1/2  100/100", lines[^2]);
        Assert.Contains("took 0:05", lines[^2]);
        Assert.Equal("train member 2/2  1/100", lines[^1]);
    }

    [Fact]
    public void SlowWorkShowsSecondsPerItemAndLongEtasHaveHours()
    {
        var line = ProgressPrinter.Format(new WorkProgress("predict", 3, 1000), TimeSpan.FromSeconds(30), 3);
        Assert.Equal("predict  3/1000  10.00s each  ETA 2:46:10", line);
        Assert.Equal("count  7", ProgressPrinter.Format(new WorkProgress("count", 7, 0), TimeSpan.Zero, 0));
    }
}

/// <summary>A clock that moves only when told to.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => ticks;

    public void Advance(TimeSpan by) => ticks += by.Ticks;
}
