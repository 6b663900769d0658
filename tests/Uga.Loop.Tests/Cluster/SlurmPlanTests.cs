using Uga.Imaging;
using Uga.Loop.Cluster;

namespace Uga.Loop.Tests.Cluster;

public class SlurmPlanTests
{
    [Fact]
    public void ArrayScriptRunsUnitIOfNAndTheReductionRanksAfterThem()
    {
        var options = new SlurmOptions { Units = 3, Partition = "cpu", ArrayParallel = 2, CpusPerTask = 4, Memory = "8G", TimeLimit = "01:00:00" };
        var (predict, reduce) = SlurmPlan.Scripts("/shared/my ws", options, "/usr/bin/dotnet /opt/uga/uga.dll", ["--k", "5", "--strategy", "it's"]);

        Assert.Contains("#SBATCH --array=1-3%2\n", predict, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --partition=cpu\n#SBATCH --mem=8G\n#SBATCH --time=01:00:00\n", predict, StringComparison.Ordinal);
        Assert.Contains("export OMP_NUM_THREADS=4\n", predict, StringComparison.Ordinal);
        Assert.Contains("exec /usr/bin/dotnet /opt/uga/uga.dll predict --workspace '/shared/my ws' --shard \"${SLURM_ARRAY_TASK_ID}/3\" --threads 4 --rank-args '--k 5 --strategy it'\\''s'\n", predict, StringComparison.Ordinal);
        Assert.DoesNotContain("--array", reduce, StringComparison.Ordinal);
        Assert.Contains("rank --workspace '/shared/my ws' --units 3 --threads 4 --k 5 --strategy 'it'\\''s'\n", reduce, StringComparison.Ordinal);
    }

    [Fact]
    public void ResubmissionRunsOnlyTheNamedUnitsAndBadOptionsAreRefused()
    {
        var (predict, _) = SlurmPlan.Scripts("/w", new SlurmOptions { Units = 40, Only = [7, 31] }, "uga", []);
        Assert.Contains("#SBATCH --array=7,31\n", predict, StringComparison.Ordinal);
        Assert.Contains("unit 41 is not one of 1..40", Assert.Throws<InvalidInputException>(() => SlurmPlan.Scripts("/w", new SlurmOptions { Units = 40, Only = [41] }, "uga", [])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => SlurmPlan.Scripts("/w", new SlurmOptions { Units = 0 }, "uga", []));
        Assert.Throws<InvalidInputException>(() => SlurmPlan.Scripts("/w", new SlurmOptions { Units = 2, CpusPerTask = 0 }, "uga", []));
    }
}

public class KubernetesPlanTests
{
    [Fact]
    public void IndexedJobMapsTheCompletionIndexToTheUnitAndTheReductionFollows()
    {
        var yaml = KubernetesPlan.Manifests("/data/ws", new KubernetesOptions { Units = 5, Image = "registry/uga:1", VolumeClaim = "slides", CpusPerTask = 2 }, ["--k", "4"]);
        var docs = yaml.Split("---\n");
        Assert.Equal(2, docs.Length);
        Assert.Contains("completionMode: Indexed\n  completions: 5\n", docs[0], StringComparison.Ordinal);
        Assert.Contains("--shard \\\"$((JOB_COMPLETION_INDEX + 1))/5\\\" --threads 2 --rank-args '--k 4'", docs[0], StringComparison.Ordinal);
        Assert.Contains("claimName: slides", docs[0], StringComparison.Ordinal);
        Assert.Contains("uga rank --workspace /data/ws --units 5 --threads 2 --k 4", docs[1], StringComparison.Ordinal);
        Assert.DoesNotContain("Indexed", docs[1], StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => KubernetesPlan.Manifests("/elsewhere/ws", new KubernetesOptions { Units = 5, Image = "i", VolumeClaim = "c" }, []));
    }
}
