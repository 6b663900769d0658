using System.CommandLine;
using System.Globalization;
using Uga.Imaging;
using Uga.Loop.Cluster;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga cluster slurm|status`: a round's prediction as a Slurm array job plus the ranking reduction.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "Run a round's prediction as cluster jobs (Slurm array + reduction) and follow them");
        command.Subcommands.Add(SlurmCommand());
        command.Subcommands.Add(KubernetesCommand());
        command.Subcommands.Add(StatusCommand());
        return command;
    }

    private static Option<int> UnitsOption() =>
        new("--units") { Description = "Number of prediction units N (task i predicts slides i/N of the workspace)", Required = true };

    private static Command SlurmCommand()
    {
        var workspace = WorkspaceCommand.WorkspaceOption();
        var units = UnitsOption();
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's default)" };
        var parallel = new Option<int?>("--array-parallel") { Description = "At most M units at once (sbatch --array=…%M)" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "CPUs per task; also the torch threads of each task", DefaultValueFactory = _ => 1 };
        var memory = new Option<string?>("--mem") { Description = "Memory per task, as sbatch --mem (e.g. 4G; see docs/benchmarks.md for a slide's peak)" };
        var time = new Option<string?>("--time") { Description = "Time limit per task, as sbatch --time (e.g. 01:00:00)" };
        var only = new Option<string?>("--only") { Description = "Only these units, e.g. 2,3 (resubmitting failed ones; `uga cluster status` lists them)" };
        var rankArgs = new Option<string?>("--rank-args") { Description = "Options of the reduction's `uga rank`, space-separated, e.g. \"--k 5 --patch 256\"" };
        var submit = new Option<bool>("--submit") { Description = "Submit with sbatch (the reduction waits for every unit: --dependency=afterok); without it, only write the scripts" };
        var finetune = new Option<bool>("--finetune") { Description = "Fine-tune first, as a job of its own: the prediction array waits for it and predicts with the new version" };
        var finetuneArgs = new Option<string?>("--finetune-args") { Description = "Options of the fine-tuning's `uga finetune`, space-separated, e.g. \"--steps 200\"" };
        var command = new Command("slurm", "Write (and with --submit, submit) the prediction array job and the ranking reduction for the workspace's slides")
        {
            workspace, units, partition, parallel, cpus, memory, time, only, rankArgs, submit, finetune, finetuneArgs,
        };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var options = new SlurmOptions
            {
                Units = parse.GetValue(units),
                Partition = parse.GetValue(partition),
                ArrayParallel = parse.GetValue(parallel),
                CpusPerTask = parse.GetValue(cpus),
                Memory = parse.GetValue(memory),
                TimeLimit = parse.GetValue(time),
                Only = parse.GetValue(only) is { } list ? ParseUnits(list) : null,
            };
            var (predict, reduce) = SlurmPlan.Scripts(ws.Root, options, Uga(), CheckedRankArgs(ws, parse.GetValue(rankArgs)));
            var dir = Directory.CreateDirectory(Path.Combine(ws.Root, "cluster", "logs")).Parent!.FullName;
            string predictPath = Path.Combine(dir, "predict.sbatch"), reducePath = Path.Combine(dir, "rank.sbatch");
            AtomicFile.WriteAllText(predictPath, predict);
            AtomicFile.WriteAllText(reducePath, reduce);
            string? finetunePath = null;
            if (parse.GetValue(finetune))
            {
                finetunePath = Path.Combine(dir, "finetune.sbatch");
                AtomicFile.WriteAllText(finetunePath, SlurmPlan.FineTuneScript(ws.Root, options, Uga(), SplitArgs(parse.GetValue(finetuneArgs))));
                Console.WriteLine($"wrote {finetunePath}");
            }
            Console.WriteLine($"wrote {predictPath} and {reducePath}");
            if (!parse.GetValue(submit)) return 0;
            var (finetuneJob, arrayJob, reduceJob) = Slurm.Submit(ws.Root, predictPath, reducePath, options.Only is { } o ? string.Join(",", o) : "all", finetunePath);
            if (finetuneJob is not null) Console.WriteLine($"submitted fine-tuning job {finetuneJob}");
            Console.WriteLine($"submitted prediction array job {arrayJob} ({(options.Only is { } u ? $"units {string.Join(",", u)}" : $"{options.Units} units")}{(finetuneJob is null ? "" : ", after the fine-tuning")}) and reduction job {reduceJob} (after all succeed)");
            return 0;
        });
        return command;
    }

    private static Command KubernetesCommand()
    {
        var workspace = WorkspaceCommand.WorkspaceOption();
        var units = UnitsOption();
        var image = new Option<string>("--image") { Description = "Container image with uga installed (uga on its PATH)", Required = true };
        var claim = new Option<string>("--pvc") { Description = "PersistentVolumeClaim (ReadWriteMany) holding the workspace and the slides", Required = true };
        var mount = new Option<string>("--mount") { Description = "Where the claim is mounted in the pods; the workspace path must lie under it", DefaultValueFactory = _ => "/data" };
        var parallel = new Option<int>("--parallelism") { Description = "Pods at once", DefaultValueFactory = _ => 4 };
        var cpus = new Option<int>("--cpus-per-task") { Description = "CPUs per pod (and torch threads)", DefaultValueFactory = _ => 1 };
        var memory = new Option<string>("--mem") { Description = "Memory per pod (Kubernetes quantity)", DefaultValueFactory = _ => "4Gi" };
        var rankArgs = new Option<string?>("--rank-args") { Description = "Options of the reduction's `uga rank`, space-separated" };
        var command = new Command("k8s", "Write the prediction units as a Kubernetes Indexed Job and the ranking reduction as a second Job (docs/deploy.md)")
        {
            workspace, units, image, claim, mount, parallel, cpus, memory, rankArgs,
        };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var yaml = KubernetesPlan.Manifests(ws.Root, new KubernetesOptions
            {
                Units = parse.GetValue(units),
                Image = parse.GetValue(image)!,
                VolumeClaim = parse.GetValue(claim)!,
                MountPath = parse.GetValue(mount)!,
                Parallelism = parse.GetValue(parallel),
                CpusPerTask = parse.GetValue(cpus),
                Memory = parse.GetValue(memory)!,
            }, CheckedRankArgs(ws, parse.GetValue(rankArgs)));
            var path = Path.Combine(Directory.CreateDirectory(Path.Combine(ws.Root, "cluster")).FullName, "round.k8s.yaml");
            AtomicFile.WriteAllText(path, yaml);
            Console.WriteLine($"wrote {path}: kubectl apply the first Job, wait for it to complete, then apply the second");
            return 0;
        });
        return command;
    }

    private static Command StatusCommand()
    {
        var workspace = WorkspaceCommand.WorkspaceOption();
        var units = UnitsOption();
        var command = new Command("status", "Which prediction units are done (from the artifacts) and what Slurm still runs") { workspace, units };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var status = WorkUnits.Status(ws, parse.GetValue(units));
            foreach (var unit in status)
            {
                var open = unit.Slides.Where(s => s.Problem is not null).ToList();
                Console.WriteLine(open.Count == 0
                    ? $"unit {unit.Shard}: done ({unit.Slides.Count} slides)"
                    : $"unit {unit.Shard}: {open.Count} of {unit.Slides.Count} slides not done: {string.Join("; ", open.Select(s => $"{s.Name} ({s.Problem})"))}");
            }
            var jobs = Slurm.Submitted(ws.Root);
            if (jobs.Count > 0)
            {
                var queue = Slurm.Queue(jobs.Select(j => j.JobId));
                Console.WriteLine(queue.Count == 0 ? "slurm: none of the submitted jobs is queued or running"
                    : $"slurm: {string.Join(", ", queue.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => $"{q.Key} {q.Value}"))}");
            }
            var notDone = status.Where(u => !u.Done).Select(u => u.Shard.Index.ToString(CultureInfo.InvariantCulture)).ToList();
            Console.WriteLine(notDone.Count == 0
                ? $"{status.Count} units: all done; the reduction can run (uga rank --workspace {ws.Root} --units {status.Count})"
                : $"{status.Count} units: {status.Count - notDone.Count} done, {notDone.Count} not; rerun them: uga cluster slurm --workspace {ws.Root} --units {status.Count} --only {string.Join(",", notDone)} --submit");
            return 0;
        });
        return command;
    }

    // The reduction's options, parsed as the units and the reduction will parse them: a mistake (no --k, a typo)
    // fails here, not on the cluster after every unit has run.
    private static string[] CheckedRankArgs(LoopWorkspace workspace, string? text)
    {
        var args = SplitArgs(text);
        RankCommand.ForUnit(workspace, args);
        return args;
    }

    internal static string[] SplitArgs(string? text) => (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static List<int> ParseUnits(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t =>
            int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int u) ? u
                : throw new InvalidInputException(null, $"--only '{text}' must list unit numbers, e.g. 2,3"))];

    // How a compute node starts this same uga: the dotnet host and this assembly, or the apphost itself.
    private static string Uga()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string assembly = typeof(ClusterCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? $"{process} {assembly}" : process;
    }
}
