using System.Globalization;
using System.Runtime.InteropServices;

namespace Uga.Onnx;

/// <summary>An ONNX node attribute: an integer, a float or a list of integers.</summary>
public readonly record struct OnnxAttr(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttr Of(string name, long value) => new(name, Int: value);
    public static OnnxAttr Of(string name, float value) => new(name, Float: value);
    public static OnnxAttr Of(string name, params long[] values) => new(name, Ints: values);

    internal void Write(ProtoWriter w)
    {
        w.String(1, Name);
        if (Float is { } f) { w.Float(2, f); w.Varint(20, 1); }
        else if (Int is { } i) { w.Varint(3, i); w.Varint(20, 2); }
        else
        {
            foreach (var v in Ints ?? []) w.Varint(8, v);
            w.Varint(20, 7);
        }
    }
}

/// <summary>
/// Builds one ONNX model (a single float32 graph) in memory and serialises it: initializers, nodes in topological
/// order, graph inputs and outputs. Dimensions are given as strings: digits give a fixed size, anything else names
/// a free dimension ("N", "H"). Field numbers follow onnx.proto (IR version 8, the default opset domain).
/// </summary>
public sealed class OnnxGraph(string name)
{
    private const int FloatType = 1, UInt8Type = 2, Int8Type = 3, Int32Type = 6;
    private readonly List<Action<ProtoWriter>> nodes = [];
    private readonly List<Action<ProtoWriter>> initializers = [];
    private readonly List<Action<ProtoWriter>> inputs = [];
    private readonly List<Action<ProtoWriter>> outputs = [];
    private int counter;

    /// <summary>A constant float tensor; returns its name for use as a node input.</summary>
    public string Initializer(string tensorName, long[] dims, float[] values) =>
        Raw(tensorName, dims, FloatType, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), values.Length);

    /// <summary>A constant int8 tensor (quantised weights, their zero points).</summary>
    public string Initializer(string tensorName, long[] dims, sbyte[] values) =>
        Raw(tensorName, dims, Int8Type, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), values.Length);

    /// <summary>A constant uint8 tensor (an activation's zero point).</summary>
    public string Initializer(string tensorName, long[] dims, byte[] values) =>
        Raw(tensorName, dims, UInt8Type, [.. values], values.Length);

    /// <summary>A constant int32 tensor (quantised biases).</summary>
    public string Initializer(string tensorName, long[] dims, int[] values) =>
        Raw(tensorName, dims, Int32Type, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), values.Length);

    // raw_data is little-endian, as is every .NET target here; no dims = a scalar.
    private string Raw(string tensorName, long[] dims, int type, byte[] raw, int count)
    {
        if (dims.Aggregate(1L, (a, d) => a * d) != count)
            throw new ArgumentException($"{tensorName}: {count} values for dims [{string.Join(", ", dims)}]", nameof(count));
        initializers.Add(w =>
        {
            foreach (var d in dims) w.Varint(1, d);
            w.Varint(2, type);
            w.String(8, tensorName);
            w.Bytes(9, raw);
        });
        return tensorName;
    }

    /// <summary>Adds a node of <paramref name="op"/>; returns the name of its (single) output.</summary>
    public string Node(string op, IReadOnlyList<string> nodeInputs, params OnnxAttr[] attributes)
    {
        string output = $"{op.ToLowerInvariant()}_{counter++}";
        nodes.Add(w =>
        {
            foreach (var input in nodeInputs) w.String(1, input);
            w.String(2, output);
            w.String(3, output);
            w.String(4, op);
            foreach (var a in attributes) w.Message(5, a.Write);
        });
        return output;
    }

    public void Input(string tensorName, params string[] dims) => inputs.Add(ValueInfo(tensorName, dims));

    /// <summary>Declares <paramref name="tensor"/> (a node's output) as the graph output named <paramref name="tensorName"/>.</summary>
    public void Output(string tensor, string tensorName, params string[] dims)
    {
        nodes.Add(w =>
        {
            w.String(1, tensor);
            w.String(2, tensorName);
            w.String(3, tensorName);
            w.String(4, "Identity");
        });
        outputs.Add(ValueInfo(tensorName, dims));
    }

    /// <summary>The serialised ModelProto; <paramref name="metadata"/> lands in metadata_props.</summary>
    public byte[] ToModel(string producer, string producerVersion, int opset = 17, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var model = new ProtoWriter();
        model.Varint(1, 8);
        model.String(2, producer);
        model.String(3, producerVersion);
        model.Message(7, g =>
        {
            foreach (var n in nodes) g.Message(1, n);
            g.String(2, name);
            foreach (var t in initializers) g.Message(5, t);
            foreach (var i in inputs) g.Message(11, i);
            foreach (var o in outputs) g.Message(12, o);
        });
        model.Message(8, o =>
        {
            o.String(1, "");
            o.Varint(2, opset);
        });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.Message(14, e => { e.String(1, key); e.String(2, value); });
        return model.ToArray();
    }

    private static Action<ProtoWriter> ValueInfo(string tensorName, string[] dims) => w =>
    {
        w.String(1, tensorName);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, FloatType);
            tensor.Message(2, shape =>
            {
                foreach (var d in dims)
                    shape.Message(1, dim =>
                    {
                        if (long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long size)) dim.Varint(1, size);
                        else dim.String(2, d);
                    });
            });
        }));
    };
}
