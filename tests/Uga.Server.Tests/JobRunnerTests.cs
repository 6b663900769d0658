using System.Text.Json.Nodes;

namespace Uga.Server.Tests;

public sealed class JobRunnerTests(WorkbenchFixture fixture)
{
    [Fact]
    public void The_next_round_is_asked_the_way_the_last_one_was()
    {
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Workspace, "rounds", "r1", "queue", "rank.json")));
        // The fixture ranked with --k 4 --patch 64 on a model at 2 µm/px; everything else was rank's default.
        Assert.Equal(["--k", "4", "--strategy", Uga.Loop.Queue.RankRequest.DefaultStrategy, "--k-mode", "total", "--patch", "64", "--patch-spacing", "2", "--stride", "64",
            "--min-tissue", "0.5", "--min-distance", "0"], JobRunner.RankArgs(summary, null));
        Assert.Equal(["--k", "7"], JobRunner.RankArgs(summary, 7).Take(2));
        Assert.Equal(["--k", "5"], JobRunner.RankArgs(null, null));
    }
}
