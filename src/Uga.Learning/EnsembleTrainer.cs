using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// Trains the members of an <see cref="Ensemble"/> one after another, each from its own seed (Seed + member index
/// drives both torch's generator and the patch sampler), with AdamW and a warm-up + cosine schedule. The same
/// options, data and thread count give bit-identical weights.
/// </summary>
public static class EnsembleTrainer
{
    // torch's generator (weight init, dropout) and thread count are process-wide; trainings in one process take turns.
    private static readonly Lock TorchState = new();

    /// <summary>Trains a new ensemble from scratch.</summary>
    public static Ensemble Train(TrainingOptions options, IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var samples = LoadSamples(options, options.SpacingUm, options.ClassNames?.Count);
        var classNames = options.ClassNames ?? DefaultClassNames(SegmentationDataset.InferClassCount(samples));
        var (mean, std) = ChannelStatistics(samples);
        var manifest = new ModelManifest
        {
            ClassNames = classNames,
            SpacingUm = options.SpacingUm,
            PatchSize = options.PatchSize,
            Depth = options.Architecture.Depth,
            BaseChannels = options.Architecture.BaseChannels,
            Normalisation = options.Architecture.Normalisation,
            Dropout = options.Architecture.Dropout,
            InputMean = mean,
            InputStd = std,
            Members = options.Members,
            MemberFiles = Enumerable.Range(0, options.Members).Select(i => $"member-{i}.pt").ToArray(),
            Training = new TrainingRecord(),
        };
        return Run(manifest, samples, options, start: null, progress, cancel);
    }

    /// <summary>
    /// Continues training every member of <paramref name="start"/> (warm start) on the options' dataset and/or extra
    /// samples; architecture, classes, spacing and input normalisation come from its manifest. Returns a new
    /// ensemble; <paramref name="start"/> is not changed.
    /// </summary>
    public static Ensemble FineTune(Ensemble start, TrainingOptions options, IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate(architecture: false);
        var m = start.Manifest;
        if (options.PatchSize <= 0 || options.PatchSize % (1 << m.Depth) != 0)
            throw new InvalidInputException(null, $"patch size {options.PatchSize} must be a positive multiple of 2^depth = {1 << m.Depth}");
        var samples = LoadSamples(options, m.SpacingUm, m.ClassCount);
        var manifest = m with
        {
            Members = start.Members.Count,
            MemberFiles = Enumerable.Range(0, start.Members.Count).Select(i => $"member-{i}.pt").ToArray(),
            PatchSize = options.PatchSize,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        return Run(manifest, samples, options with { Members = start.Members.Count }, start, progress, cancel);
    }

    /// <summary>The dataset (resampled to <paramref name="spacingUm"/>) followed by the extra samples.</summary>
    public static IReadOnlyList<SegmentationSample> LoadSamples(TrainingOptions options, double spacingUm, int? classCount)
    {
        var samples = new List<SegmentationSample>();
        if (options.DataDir is not null)
        {
            samples.AddRange(SegmentationDataset.Load(options.DataDir, new DatasetOptions
            {
                Where = options.Where,
                DataSpacingUm = options.DataSpacingUm,
                TargetSpacingUm = spacingUm,
                ClassCount = classCount,
            }));
        }
        foreach (var extra in options.ExtraSamples)
        {
            if (classCount is { } c && extra.Labels.MaxLabel() >= c)
                throw new InvalidInputException(extra.Name, $"labels contain {extra.Labels.MaxLabel()} but the model has {c} classes");
            samples.Add(extra);
        }
        return samples;
    }

    private static Ensemble Run(ModelManifest manifest, IReadOnlyList<SegmentationSample> samples, TrainingOptions options,
        Ensemble? start, IProgress<WorkProgress>? progress, CancellationToken cancel)
    {
        lock (TorchState) return RunLocked(manifest, samples, options, start, progress, cancel);
    }

    private static Ensemble RunLocked(ModelManifest manifest, IReadOnlyList<SegmentationSample> samples, TrainingOptions options,
        Ensemble? start, IProgress<WorkProgress>? progress, CancellationToken cancel)
    {
        torch.set_num_threads(options.Threads ?? TrainingOptions.DefaultThreads);
        var seeds = Enumerable.Range(0, options.Members).Select(i => options.Seed + i).ToArray();
        var members = new List<UNet>();
        var finalLosses = new List<double>();
        try
        {
            for (int i = 0; i < options.Members; i++)
            {
                var net = new MemberTraining(manifest, samples, options, seeds[i], start?.Members[i], $"train member {i + 1}/{options.Members}");
                members.Add(net.Network);
                finalLosses.Add(net.Run(progress, cancel));
            }
        }
        catch
        {
            foreach (var net in members) net.Dispose();
            throw;
        }
        var record = new TrainingRecord
        {
            DataDir = options.DataDir is null ? null : Path.GetFullPath(options.DataDir),
            Filter = options.Where.Select(f => f.ToString()).ToArray(),
            ImageCount = samples.Count - options.ExtraSamples.Count,
            ExtraSampleCount = options.ExtraSamples.Count,
            DataSpacingUm = options.DataSpacingUm,
            Steps = options.Steps,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            WeightDecay = options.WeightDecay,
            WarmupSteps = options.EffectiveWarmupSteps,
            MemberSeeds = seeds,
            ClassBalanced = options.ClassBalanced,
            Augmentation = options.Augmentation.ToString(),
            FinalLosses = finalLosses,
            WarmStart = start is not null,
            Previous = start?.Manifest.Training,
        };
        return new Ensemble(manifest with { Training = record }, members);
    }

    /// <summary>"background", "class1", ... for a model whose classes were not named.</summary>
    public static IReadOnlyList<string> DefaultClassNames(int count) =>
        Enumerable.Range(0, count).Select(c => c == 0 ? "background" : $"class{c}").ToArray();

    /// <summary>Per-channel mean and standard deviation of all pixels in [0, 1] (std floored so it can divide).</summary>
    internal static (float[] Mean, float[] Std) ChannelStatistics(IEnumerable<SegmentationSample> samples)
    {
        var sum = new double[3];
        var sumSq = new double[3];
        long n = 0;
        foreach (var s in samples)
        {
            var d = s.Image.Data;
            for (int i = 0; i < d.Length; i += 3)
                for (int c = 0; c < 3; c++)
                {
                    double v = d[i + c] / 255.0;
                    sum[c] += v;
                    sumSq[c] += v * v;
                }
            n += s.Image.PixelCount;
        }
        var mean = sum.Select(v => (float)(v / n)).ToArray();
        var std = Enumerable.Range(0, 3).Select(c => (float)Math.Max(1e-3, Math.Sqrt(Math.Max(0, (sumSq[c] / n) - (mean[c] * (double)mean[c]))))).ToArray();
        return (mean, std);
    }
}
