using Uga.Experiments.Simulation;
using Uga.Imaging;

namespace Uga.Experiments.Tests.Simulation;

public class SimulationDataTests
{
    private static TargetItem Item(string id, string group) =>
        new(id, group, new RgbImage(8, 8), new LabelMap(8, 8), null);

    [Fact]
    public void FoldsKeepGroupsTogetherAndEvaluateEveryItemOnce()
    {
        var items = Enumerable.Range(0, 12).Select(i => Item($"case{i}", $"patient{i % 5}")).ToList();
        var folds = SimulationData.Split(items, 3);

        Assert.Equal(3, folds.Count);
        Assert.Equal(items.Count, folds.Sum(f => f.Evaluation.Count));
        foreach (var f in folds)
        {
            Assert.Equal(items.Count, f.Pool.Count + f.Evaluation.Count);
            var evalGroups = f.Evaluation.Select(i => i.Group).ToHashSet();
            Assert.NotEmpty(evalGroups);
            Assert.DoesNotContain(f.Pool, i => evalGroups.Contains(i.Group));
        }
    }

    [Fact]
    public void SplitDoesNotDependOnInputOrder()
    {
        var items = Enumerable.Range(0, 10).Select(i => Item($"c{i}", $"g{i % 4}")).ToList();
        var a = SimulationData.Split(items, 2);
        var b = SimulationData.Split([.. Enumerable.Reverse(items)], 2);
        for (int f = 0; f < 2; f++)
            Assert.Equal(a[f].Evaluation.Select(i => i.Id).Order(), b[f].Evaluation.Select(i => i.Id).Order());
    }

    [Fact]
    public void FewerGroupsThanFoldsIsAClearError()
    {
        var items = new[] { Item("a", "p1"), Item("b", "p1"), Item("c", "p2") };
        var e = Assert.Throws<InvalidInputException>(() => SimulationData.Split(items, 3));
        Assert.Contains("2 group(s) but 3 folds", e.Message);
    }
}
