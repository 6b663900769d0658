using Uga.Imaging;
using Uga.Inference;
using Uga.Learning.Inference;

namespace Uga.Learning.Tests;

public class PrecisionTests
{
    // bf16 keeps 8 bits of mantissa: probabilities move by far less than a class decision needs, and the samples are
    // the float32 model's, not another model's.
    [Fact]
    public void Bf16EnsembleSamplesStayCloseToFloat32()
    {
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, TinyModels.Classes(3), 1.0, patchSize: 32, members: 2);
        var tiles = new byte[2 * 32 * 32 * 3];
        new Random(5).NextBytes(tiles);

        using var fp32 = EnsembleModels.Load(model, InferenceBackend.TorchSharp, InferencePrecision.Fp32);
        using var bf16 = EnsembleModels.Load(model, InferenceBackend.Auto, InferencePrecision.Bf16);
        var a = fp32.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, 2, 32);
        var b = bf16.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, 2, 32);
        var member = bf16.CreateMemberSource(1, 1).Sample(tiles, 2, 32);

        Assert.Equal(a.Length, b.Length);
        double max = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        // Rounded (not identical), but close: bf16 keeps 8 bits of mantissa. Native AVX512-BF16/AMX kernels round at
        // other points than libtorch's emulation (max 0.023 on such a host, 2026-11-30), so only they get the wider
        // bound; emulated bf16 keeps the original 0.02.
        Assert.InRange(max, 1e-6, CpuFeatures.Current.Bf16 ? 0.05 : 0.02);
        Assert.Equal(b.Length / 2, member.Length);
        Assert.Equal("ensemble-bf16", bf16.CreateSource(SampleSourceKind.Ensemble).Name);
        Assert.Equal("tta", bf16.CreateSource(SampleSourceKind.Tta).Name); // TTA stays float32
        // Artifacts are keyed by the samples' name, so a bf16 prediction never stands in for a float32 one.
        Assert.Equal("ensemble-bf16", new PredictOptions { Bf16 = true }.SourceName);
        Assert.Equal("ensemble", new PredictOptions().SourceName);
        Assert.Equal("tta", new PredictOptions { Bf16 = true, Samples = SampleSourceKind.Tta }.SourceName);
        Assert.EndsWith("-bf16", new PredictOptions { Bf16 = true, CascadeThreshold = 0.3 }.SourceName, StringComparison.Ordinal);
        Assert.NotNull(EnsembleModels.TorchSharpMembers(bf16));
        Assert.Equal("torchsharp-bf16", EnsembleModels.Runner(bf16.Manifest, InferenceBackend.Auto, SampleSourceKind.Ensemble, InferencePrecision.Bf16));
        Assert.Throws<ArgumentException>(() => EnsembleModels.Load(model, InferenceBackend.Auto, InferencePrecision.Auto));
    }

    [Fact]
    public void AutoChoosesBf16OnlyWithAmx()
    {
        var amx = new CpuFeatures("AMX CPU", new HashSet<string> { "avx512f", "amx_bf16", "amx_tile" }, 2000);
        var zen3 = new CpuFeatures("AVX2 CPU", new HashSet<string> { "avx2", "fma" }, 2000);
        var zen4 = new CpuFeatures("AVX512-BF16 CPU", new HashSet<string> { "avx512f", "avx512_bf16" }, 2000);

        Assert.Equal((InferencePrecision.Fp32, (string?)null), Precisions.Resolve(InferencePrecision.Auto, zen3));
        Assert.Equal((InferencePrecision.Fp32, (string?)null), Precisions.Resolve(InferencePrecision.Auto, zen4));
        var (native, slower) = Precisions.Resolve(InferencePrecision.Bf16, zen4); // native, but slower than ONNX Runtime's fp32
        Assert.Equal(InferencePrecision.Bf16, native);
        Assert.Contains("slower than the default fp32", slower, StringComparison.Ordinal);
        Assert.Equal((InferencePrecision.Bf16, (string?)null), Precisions.Resolve(InferencePrecision.Auto, amx)); // validated
        Assert.Equal((InferencePrecision.Bf16, (string?)null), Precisions.Resolve(InferencePrecision.Bf16, amx));
        var (emulated, note) = Precisions.Resolve(InferencePrecision.Bf16, zen3);
        Assert.Equal(InferencePrecision.Bf16, emulated);
        Assert.Contains("emulated", note, StringComparison.Ordinal);
        Assert.Equal(InferencePrecision.Fp32, Precisions.Resolve(InferencePrecision.Fp32, amx).Precision);
        Assert.Contains("valid: auto, fp32, bf16", Assert.Throws<InvalidInputException>(() => Precisions.Parse("fp16")).Message, StringComparison.Ordinal);
    }
}
