using Google.Protobuf;
using Onnx;

namespace Functional.Nets.Onnx;

/// <summary>
/// Exports a model as an ONNX graph: the layer value gives the nodes, its parameters and state (batch norm's running
/// statistics) become initializers under their PyTorch <c>state_dict</c> names (<c>0.weight</c>, <c>1.running_mean</c>).
/// The graph computes the model in evaluation mode (<c>Apply(p, s, x, Context.Eval)</c>: dropout is the identity,
/// batch norm uses its running statistics). It has one input, <c>input</c>, and one output, <c>output</c>, whose axis 0
/// is the symbolic batch size <c>N</c>; the other axes are those of the example input shape given.
/// </summary>
/// <remarks>
/// Written for ONNX opset <see cref="Opset"/> (IR version <see cref="IrVersion"/>). Elements are float32 or float64
/// (<c>dtype</c> of the methods; by default the dtype of the parameters). A layer kind with no ONNX
/// translation throws <see cref="OnnxExportException"/>, naming the layer's path and kind, before anything is written.
/// </remarks>
/// <example><code>
/// var model = new Sequential(new Dense(2, 8), new Tanh(), new Dense(8, 1), new Sigmoid());
/// var parameters = model.Init(Key.FromSeed(0), backend);
/// OnnxExport.Save("xor.onnx", model, parameters, model.InitState(backend), new Shape(1, 2));
/// </code></example>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graph is written for.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of the file (8 goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>The name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output.</summary>
    public const string OutputName = "output";

    /// <summary>Builds the ONNX model of <paramref name="model"/> with <paramref name="parameters"/> and <paramref name="state"/>.</summary>
    /// <param name="model">The layer value.</param>
    /// <param name="parameters">Its parameters (as <see cref="Layer.Init"/> makes them, or loaded from a checkpoint), on any backend.</param>
    /// <param name="state">Its state (as <see cref="Layer.InitState"/> makes it, or after training); empty for a stateless model.</param>
    /// <param name="inputShape">An example input shape including the batch axis, e.g. <c>[1, 784]</c>; axis 0 becomes symbolic.</param>
    /// <param name="dtype">The graph's element type; null for the dtype of the parameters (float64 when there are none).</param>
    /// <exception cref="OnnxExportException">A layer cannot be exported, or a parameter is missing or of another shape.</exception>
    /// <exception cref="ShapeMismatchException">The model does not take <paramref name="inputShape"/>.</exception>
    public static ModelProto ToModel(Layer model, TensorTree parameters, TensorTree state, Shape inputShape, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        var type = dtype ?? (parameters.Count > 0 ? parameters[0].Value.DType : DType.Float64);
        if (type is not (DType.Float32 or DType.Float64))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), type, $"ONNX export: the element type must be float32 or float64, got {type}");
        }

        if (inputShape.Rank == 0)
        {
            throw new ArgumentException("ONNX export: the input shape needs a batch axis (axis 0), got a scalar shape", nameof(inputShape));
        }

        var outputShape = model.OutputShape(inputShape);
        var graph = new OnnxGraph(type);
        graph.Proto.Input.Add(graph.Value(InputName, inputShape));
        var y = new LayerTranslation(graph, parameters, state).Emit(model, "", new OnnxValue(InputName, inputShape));

        // One named output whatever the last layer was (an Identity model included); runtimes fold this node away.
        graph.Proto.Node.Add(new NodeProto { OpType = "Identity", Name = OutputName, Input = { y.Name }, Output = { OutputName } });
        graph.Proto.Output.Add(graph.Value(OutputName, outputShape));
        graph.Proto.DocString = model.Describe();

        return new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Functional.Nets",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph.Proto,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        };
    }

    /// <summary>The ONNX file's bytes: <see cref="ToModel"/> serialized.</summary>
    /// <inheritdoc cref="ToModel" path="/param"/>
    /// <inheritdoc cref="ToModel" path="/exception"/>
    public static byte[] ToBytes(Layer model, TensorTree parameters, TensorTree state, Shape inputShape, DType? dtype = null) =>
        ToModel(model, parameters, state, inputShape, dtype).ToByteArray();

    /// <summary>Writes the ONNX file to <paramref name="path"/> (created or replaced, atomically).</summary>
    /// <param name="path">The file, conventionally <c>*.onnx</c>.</param>
    /// <param name="model">The layer value.</param>
    /// <param name="parameters">Its parameters, on any backend.</param>
    /// <param name="state">Its state; empty for a stateless model.</param>
    /// <param name="inputShape">An example input shape including the batch axis; axis 0 becomes symbolic.</param>
    /// <param name="dtype">The graph's element type; null for the dtype of the parameters.</param>
    /// <inheritdoc cref="ToModel" path="/exception"/>
    public static void Save(string path, Layer model, TensorTree parameters, TensorTree state, Shape inputShape, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ToBytes(model, parameters, state, inputShape, dtype);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
