using System.Globalization;
using Uga.Onnx;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>Calibrated ranges of every 3×3 convolution's input and output, in the order the exporter writes them.</summary>
public sealed record Int8Ranges(IReadOnlyList<ActivationRange> Inputs, IReadOnlyList<ActivationRange> Outputs);

/// <summary>
/// Writes the U-Net's 3×3 convolutions in one of three ways: plain float32; float32 with every convolution's input
/// and output also exposed as graph outputs <c>probe_in_K</c> / <c>probe_out_K</c> (the calibration graph); or int8
/// in ONNX's QDQ form — activations quantised per tensor to uint8 with calibrated ranges, weights per output channel
/// to symmetric int8, biases to int32 at the input scale × weight scale — which ONNX Runtime fuses into integer
/// convolutions (QLinearConv). Upsampling, the 1×1 head and everything between convolutions stay float32.
/// </summary>
internal sealed class OnnxConvWriter(OnnxGraph graph, bool probe, Int8Ranges? int8)
{
    private int count;

    /// <summary>What every output of the calibration graph is named starting with.</summary>
    public const string ProbePrefix = "probe_";

    /// <summary>How many 3×3 convolutions were written.</summary>
    public int Count => count;

    /// <summary>The ranges of a calibration run (<see cref="Uga.Onnx.OnnxCalibration"/>) of the probe graph, in convolution order.</summary>
    public static Int8Ranges Ranges(IReadOnlyDictionary<string, ActivationRange> probes)
    {
        int convs = probes.Count / 2;
        return new Int8Ranges([.. Enumerable.Range(0, convs).Select(k => probes[Name(ProbePrefix + "in", k)])],
            [.. Enumerable.Range(0, convs).Select(k => probes[Name(ProbePrefix + "out", k)])]);
    }

    public string Conv(string x, Tensor weight, Tensor? bias, Func<Tensor, string> addFloat, params OnnxAttr[] attributes)
    {
        int k = count++;
        if (int8 is null)
        {
            var inputs = new List<string> { x, addFloat(weight) };
            if (bias is not null) inputs.Add(addFloat(bias));
            var y = graph.Node("Conv", inputs, attributes);
            if (probe)
            {
                graph.Output(x, Name(ProbePrefix + "in", k), "N", Name("Cin", k), Name("Hin", k), Name("Win", k));
                graph.Output(y, Name(ProbePrefix + "out", k), "N", Name("Cout", k), Name("Hout", k), Name("Wout", k));
            }
            return y;
        }
        var (sx, zx) = Activation(Name("x", k), int8.Inputs[k]);
        var xd = graph.Node("DequantizeLinear", [graph.Node("QuantizeLinear", [x, sx, zx]), sx, zx]);
        var (wq, sw, scales) = Weights(Name("w", k), weight);
        int m = scales.Length;
        var wd = graph.Node("DequantizeLinear", [wq, sw, graph.Initializer(Name("w_zero", k), [m], new sbyte[m])], OnnxAttr.Of("axis", 0L));
        var inputsQ = new List<string> { xd, wd };
        if (bias is not null) inputsQ.Add(Bias(Name("b", k), bias, Scale(int8.Inputs[k]), scales));
        var conv = graph.Node("Conv", inputsQ, attributes);
        var (sy, zy) = Activation(Name("y", k), int8.Outputs[k]);
        return graph.Node("DequantizeLinear", [graph.Node("QuantizeLinear", [conv, sy, zy]), sy, zy]);
    }

    private static string Name(string what, int k) => string.Create(CultureInfo.InvariantCulture, $"{what}{k}");

    // uint8, asymmetric, the range widened to hold 0 (so zero padding and ReLU's zeros are exact).
    private (string Scale, string Zero) Activation(string name, ActivationRange range)
    {
        float scale = Scale(range);
        float min = Math.Min(range.Min, 0f);
        byte zero = (byte)Math.Clamp(Math.Round(-min / scale), 0, 255);
        return (graph.Initializer(name + "_scale", [], [scale]), graph.Initializer(name + "_zero", [], new[] { zero }));
    }

    private static float Scale(ActivationRange range)
    {
        float min = Math.Min(range.Min, 0f), max = Math.Max(range.Max, 0f);
        return max > min ? (max - min) / 255f : 1f;
    }

    // Per output channel: scale = max |w| / 127, values rounded to [-127, 127].
    private (string Values, string Scales, float[] ScaleValues) Weights(string name, Tensor weight)
    {
        var w = weight.detach().contiguous().to_type(ScalarType.Float32);
        var shape = w.shape;
        var values = w.data<float>().ToArray();
        int m = (int)shape[0], per = values.Length / m;
        var scales = new float[m];
        var q = new sbyte[values.Length];
        for (int c = 0; c < m; c++)
        {
            float maxAbs = 0;
            for (int i = 0; i < per; i++) maxAbs = Math.Max(maxAbs, Math.Abs(values[(c * per) + i]));
            scales[c] = maxAbs > 0 ? maxAbs / 127f : 1f;
            for (int i = 0; i < per; i++) q[(c * per) + i] = (sbyte)Math.Clamp(Math.Round(values[(c * per) + i] / scales[c]), -127, 127);
        }
        return (graph.Initializer(name + "_q", shape, q), graph.Initializer(name + "_scale", [m], scales), scales);
    }

    // int32 at the input scale × each channel's weight scale, zero point 0, as QLinearConv requires.
    private string Bias(string name, Tensor bias, float inputScale, float[] weightScales)
    {
        var b = bias.detach().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        var scales = weightScales.Select(s => inputScale * s).ToArray();
        var q = b.Select((v, c) => (int)Math.Clamp(Math.Round(v / scales[c]), int.MinValue, int.MaxValue)).ToArray();
        return graph.Node("DequantizeLinear", [graph.Initializer(name + "_q", [b.Length], q), graph.Initializer(name + "_scale", [b.Length], scales),
            graph.Initializer(name + "_zero", [b.Length], new int[b.Length])], OnnxAttr.Of("axis", 0L));
    }
}
