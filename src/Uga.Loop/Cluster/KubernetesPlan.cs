using System.Globalization;
using System.Text;
using Uga.Imaging;

namespace Uga.Loop.Cluster;

/// <summary>Where and how the units run on Kubernetes.</summary>
public sealed record KubernetesOptions
{
    public required int Units { get; init; }

    /// <summary>Container image with uga (and its native libraries) installed; `uga` on its PATH.</summary>
    public required string Image { get; init; }

    /// <summary>PersistentVolumeClaim holding the workspace and slides (ReadWriteMany: every pod mounts it).</summary>
    public required string VolumeClaim { get; init; }

    /// <summary>Where the claim is mounted in the pods; the workspace and slide paths must lie under it.</summary>
    public string MountPath { get; init; } = "/data";

    public int Parallelism { get; init; } = 4;
    public int CpusPerTask { get; init; } = 1;
    public string Memory { get; init; } = "4Gi";
    public string Name { get; init; } = "uga-round";
}

/// <summary>
/// The same units as <see cref="SlurmPlan"/> as Kubernetes objects: an Indexed Job (completionMode: Indexed, one pod
/// per unit, JOB_COMPLETION_INDEX + 1 → --shard) and a reduction Job to apply once the first has completed
/// (`kubectl wait --for=condition=complete job/NAME-predict`). Written, not run here: no cluster on this machine.
/// </summary>
public static class KubernetesPlan
{
    public static string Manifests(string workspaceRoot, KubernetesOptions options, IReadOnlyList<string> rankArgs)
    {
        if (options.Units < 1) throw new InvalidInputException(null, $"--units must be at least 1, got {options.Units}");
        string ws = Path.GetFullPath(workspaceRoot);
        if (!ws.StartsWith(options.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new InvalidInputException(ws, $"the workspace must lie under the volume's mount path {options.MountPath} (that is where the pods see it)");
        string predict = $"uga predict --workspace {ws} --shard \"$((JOB_COMPLETION_INDEX + 1))/{options.Units}\" --threads {options.CpusPerTask}{ShellWords.RankArgs(rankArgs)}";
        string reduce = $"uga rank --workspace {ws} --units {options.Units} --threads {options.CpusPerTask}{string.Concat(rankArgs.Select(a => " " + ShellWords.Quote(a)))}";
        var text = new StringBuilder("# Written by `uga cluster k8s`. kubectl apply -f this file's first document, wait for it to complete\n");
        text.Append(CultureInfo.InvariantCulture, $"# (kubectl wait --for=condition=complete --timeout=24h job/{options.Name}-predict), then apply the second.\n");
        Job(text, options, $"{options.Name}-predict", predict, indexed: true);
        text.Append("---\n");
        Job(text, options, $"{options.Name}-rank", reduce, indexed: false);
        return text.ToString();
    }

    private static void Job(StringBuilder text, KubernetesOptions o, string name, string command, bool indexed)
    {
        var i = CultureInfo.InvariantCulture;
        text.Append(i, $"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n");
        if (indexed) text.Append(i, $"  completionMode: Indexed\n  completions: {o.Units}\n  parallelism: {o.Parallelism}\n  backoffLimitPerIndex: 2\n");
        else text.Append("  backoffLimit: 2\n");
        text.Append(i, $"  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: uga\n        image: {o.Image}\n");
        text.Append(i, $"        command: [\"/bin/sh\", \"-c\", {Yaml(command)}]\n");
        text.Append(i, $"        env:\n        - name: OMP_NUM_THREADS\n          value: \"{o.CpusPerTask}\"\n");
        text.Append(i, $"        resources:\n          requests: {{cpu: \"{o.CpusPerTask}\", memory: \"{o.Memory}\"}}\n          limits: {{cpu: \"{o.CpusPerTask}\", memory: \"{o.Memory}\"}}\n");
        text.Append(i, $"        volumeMounts:\n        - name: data\n          mountPath: {o.MountPath}\n");
        text.Append(i, $"      volumes:\n      - name: data\n        persistentVolumeClaim:\n          claimName: {o.VolumeClaim}\n");
    }

    private static string Yaml(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
