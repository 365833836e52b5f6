using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Functional.Nets.Onnx;

/// <summary>
/// A graph being written: nodes in topological order, initializers (weights and constants) and fresh value names.
/// Weights are stored as raw little-endian bytes, so a float64 leaf keeps every bit and a float32 leaf too.
/// </summary>
internal sealed class OnnxGraph(DType dtype)
{
    private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    private int counter;

    /// <summary>The element type of every float value in the graph.</summary>
    public DType DType { get; } = dtype;

    /// <summary>The ONNX element type code of <see cref="DType"/>.</summary>
    public int ElementType => DType == DType.Float64 ? (int)TensorProto.Types.DataType.Double : (int)TensorProto.Types.DataType.Float;

    public GraphProto Proto { get; } = new() { Name = "functional_nets" };

    /// <summary>A value name not used before, built from <paramref name="hint"/> (e.g. a layer's path).</summary>
    public string Fresh(string hint) => string.Create(CultureInfo.InvariantCulture, $"{(hint.Length == 0 ? "v" : hint)}#{counter++}");

    /// <summary>Adds a float initializer named <paramref name="name"/> (a parameter's state_dict name) and returns the name.</summary>
    public string Weight(string name, ReadOnlySpan<double> values, Shape shape)
    {
        var t = new TensorProto { Name = name, DataType = ElementType };
        t.Dims.AddRange(shape.Dims.Select(d => (long)d));
        if (DType == DType.Float64)
        {
            t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }
        else
        {
            // A float32 backend's values are floats widened to double, so this narrowing is exact for them.
            var narrow = new float[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                narrow[i] = (float)values[i];
            }

            t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(narrow.AsSpan()));
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not");
        }

        Proto.Initializer.Add(t);
        return name;
    }

    /// <summary>A float constant of the graph's element type, shared between uses of the same value and shape.</summary>
    public string Constant(double[] values, Shape shape)
    {
        var key = string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "|" + shape;
        if (!constants.TryGetValue(key, out var name))
        {
            name = Weight(Fresh("const"), values, shape);
            constants[key] = name;
        }

        return name;
    }

    /// <summary>A scalar float constant.</summary>
    public string Scalar(double value) => Constant([value], Shape.Scalar);

    /// <summary>An int64 constant (a shape for Reshape, axes).</summary>
    public string Int64s(params long[] values)
    {
        var key = "i64:" + string.Join(",", values);
        if (!constants.TryGetValue(key, out var name))
        {
            var t = new TensorProto { Name = Fresh("shape"), DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            Proto.Initializer.Add(t);
            name = t.Name;
            constants[key] = name;
        }

        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string op, string hint, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Fresh(hint);
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node whose outputs are named by the caller (RNN ops have several).</summary>
    public void Node(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    public static AttributeProto Ints(string name, IEnumerable<int> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values.Select(v => (long)v));
        return a;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Strings(string name, params string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return a;
    }

    public static AttributeProto Floats(string name, IEnumerable<double> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values.Select(v => (float)v));
        return a;
    }

    /// <summary>A graph input or output of the float element type; axis 0 is the symbolic batch size <c>N</c>.</summary>
    public ValueInfoProto Value(string name, Shape shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = ElementType, Shape = new TensorShapeProto() };
        for (var d = 0; d < shape.Rank; d++)
        {
            tensor.Shape.Dim.Add(d == 0
                ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[d] });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
