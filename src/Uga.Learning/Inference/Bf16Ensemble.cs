using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>The number format of a Uga model's ensemble samples at inference.</summary>
public enum InferencePrecision
{
    /// <summary>bf16 on CPUs with AMX once <see cref="Precisions.Bf16Validated"/>; float32 (ONNX Runtime) otherwise.</summary>
    Auto,
    Fp32,

    /// <summary>Weights and activations in bfloat16 (TorchSharp; softmax and uncertainty in float32).</summary>
    Bf16,
}

public static class Precisions
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "fp32", "bf16"];

    /// <summary>
    /// Whether bf16 met the issue's bar on real data, which `auto` requires before choosing it: Dice within 0.002 and
    /// top-10 overlap ≥ 9/10 on MoNuSeg (+0.0002, 10/10) and GlaS (−0.0002, 9/10) — docs/benchmarks.md, `uga-bench
    /// precision`, 2026-11-30.
    /// </summary>
    public const bool Bf16Validated = true;

    public static InferencePrecision Parse(string name) => name switch
    {
        "auto" => InferencePrecision.Auto,
        "fp32" => InferencePrecision.Fp32,
        "bf16" => InferencePrecision.Bf16,
        _ => throw new InvalidInputException(null, $"unknown precision '{name}' (valid: {string.Join(", ", Names)})"),
    };

    /// <summary>What <paramref name="requested"/> means on <paramref name="cpu"/>, and a note when it is worth telling.</summary>
    /// <remarks>
    /// Auto needs AMX, not only AVX512-BF16: bf16 runs in TorchSharp. AMX made TorchSharp's bf16 2.5× its fp32 (the
    /// issue's Xeon); with AVX512-BF16 alone it was 3.6–5.5× TorchSharp's fp32 but 0.6–0.8× ONNX Runtime's fp32, the
    /// default (`uga-bench backends`, docs/benchmarks.md), so there asking for bf16 earns a note.
    /// </remarks>
    public static (InferencePrecision Precision, string? Note) Resolve(InferencePrecision requested, CpuFeatures cpu) => requested switch
    {
        InferencePrecision.Auto when cpu.Amx && Bf16Validated => (InferencePrecision.Bf16, null),
        InferencePrecision.Auto => (InferencePrecision.Fp32, null),
        InferencePrecision.Bf16 when !cpu.Bf16 =>
            (InferencePrecision.Bf16, "this CPU has neither AVX512-BF16 nor AMX: bf16 is emulated, many times slower than fp32"),
        InferencePrecision.Bf16 when !cpu.Amx =>
            (InferencePrecision.Bf16, "without AMX, bf16 (TorchSharp) was measured slower than the default fp32 in ONNX Runtime on AVX512-BF16 CPUs"),
        _ => (requested, null),
    };
}

/// <summary>
/// A Uga model whose ensemble samples run in bfloat16: BatchNorm folded, then bf16 copies of the members; input
/// standardised in float32 and rounded once, logits back to float32 before the softmax. MC-dropout and TTA keep the
/// float32 networks.
/// </summary>
internal sealed class Bf16Ensemble : IEnsembleModel
{
    private readonly Ensemble torch;
    private readonly List<UNet> members;

    private Bf16Ensemble(Ensemble torch, List<UNet> members)
    {
        this.torch = torch;
        this.members = members;
    }

    public static Bf16Ensemble Of(Ensemble ensemble)
    {
        var copies = new List<UNet>();
        foreach (var member in ensemble.Members)
        {
            // Copied before folding: a folded network's state no longer loads into another (BatchNormFolding).
            var copy = new UNet(member.Options);
            copy.load_state_dict(member.state_dict());
            BatchNormFolding.Fold(member);
            BatchNormFolding.Fold(copy);
            copy.to(ScalarType.BFloat16);
            copy.eval();
            copies.Add(copy);
        }
        return new Bf16Ensemble(ensemble, copies);
    }

    public ModelManifest Manifest => torch.Manifest;

    /// <summary>The float32 networks (BatchNorm folded), for what only they serve.</summary>
    public Ensemble Torch => torch;

    public IProbabilitySource CreateSource(SampleSourceKind kind, int passes = 8) =>
        kind == SampleSourceKind.Ensemble ? new Bf16Source(members, torch.Normalise) : torch.CreateSource(kind, passes);

    public IProbabilitySource CreateMemberSource(int first, int count) => new Bf16Source([.. members.Skip(first).Take(count)], torch.Normalise);

    public void Dispose()
    {
        foreach (var m in members) m.Dispose();
        torch.Dispose();
    }

    private sealed class Bf16Source(IReadOnlyList<UNet> members, Func<Tensor, Tensor> normalise) : TorchSource(normalise)
    {
        public override string Name => "ensemble" + PredictOptions.Bf16Suffix;
        public override int SampleCount => members.Count;

        public override Tensor Sample(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = input.to(ScalarType.BFloat16);
            var probabilities = members.Select(m => TorchSources.Softmax(m.call(x).to(ScalarType.Float32))).ToList();
            return stack(probabilities, 1).MoveToOuterDisposeScope();
        }
    }
}
