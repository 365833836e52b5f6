namespace Functional.Nets.Onnx;

internal sealed partial class LayerTranslation
{
    private OnnxValue Recurrent(RecurrentLayer r, string path, OnnxValue x) =>
        throw new OnnxExportException(path, r, "recurrent layers have no ONNX translation yet");
}
