namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, point 9 (rest): every out-of-range numeric argument of a public layer constructor or optimizer factory (a
/// size of 0 or −1, a probability outside [0, 1), NaN) throws <see cref="ArgumentOutOfRangeException"/> where the value is
/// made, naming the parameter and the offending value, and naming the layer (or, for an optimizer, the transformation of its
/// chain that checks the value: Momentum, AddDecayedWeights, RMSprop) in the message. The table lists
/// every case tried; the test reports all that fail at once.
/// </summary>
public sealed class RangeArgumentTests
{
    /// <summary>(what is tried, the parameter that must be named, the offending value as the message shows it, the name the message must hold, the call).</summary>
    private static readonly (string Case, string Parameter, string Value, string Owner, Func<object> Make)[] Table =
    [
        ("Dense(0, 1)", "inputs", "0", "Dense", () => new Dense(0, 1)),
        ("Dense(-1, 1)", "inputs", "-1", "Dense", () => new Dense(-1, 1)),
        ("Dense(1, 0)", "outputs", "0", "Dense", () => new Dense(1, 0)),
        ("Dense(1, -1)", "outputs", "-1", "Dense", () => new Dense(1, -1)),
        ("Conv2d(0, 1, 3)", "inChannels", "0", "Conv2d", () => new Conv2d(0, 1, 3)),
        ("Conv2d(1, -1, 3)", "outChannels", "-1", "Conv2d", () => new Conv2d(1, -1, 3)),
        ("Conv2d(1, 1, 0)", "kernel", "0", "Conv2d", () => new Conv2d(1, 1, 0)),
        ("Conv2d(stride 0)", "stride", "0", "Conv2d", () => new Conv2d(1, 1, 3, stride: 0)),
        ("Conv2d(dilation -1)", "dilation", "-1", "Conv2d", () => new Conv2d(1, 1, 3, dilation: -1)),
        ("Conv2d(groups 0)", "groups", "0", "Conv2d", () => new Conv2d(1, 1, 3, groups: 0)),
        ("Conv1d(0, 1, 3)", "inChannels", "0", "Conv1d", () => new Conv1d(0, 1, 3)),
        ("Conv1d(1, 1, -1)", "kernel", "-1", "Conv1d", () => new Conv1d(1, 1, -1)),
        ("Conv1d(stride 0)", "stride", "0", "Conv1d", () => new Conv1d(1, 1, 3, stride: 0)),
        ("ConvTranspose2d(0, 1, 3)", "inChannels", "0", "ConvTranspose2d", () => new ConvTranspose2d(0, 1, 3)),
        ("ConvTranspose2d(1, 1, 0)", "kernel", "0", "ConvTranspose2d", () => new ConvTranspose2d(1, 1, 0)),
        ("ConvTranspose2d(stride 0)", "stride", "0", "ConvTranspose2d", () => new ConvTranspose2d(1, 1, 3, stride: 0)),
        ("ConvTranspose2d(padding -1)", "padding", "-1", "ConvTranspose2d", () => new ConvTranspose2d(1, 1, 3, padding: -1)),
        ("MaxPool2d(0)", "kernel", "0", "MaxPool2d", () => new MaxPool2d(0)),
        ("MaxPool2d(stride 0)", "stride", "0", "MaxPool2d", () => new MaxPool2d(2, stride: 0)),
        ("MaxPool2d(padding -1)", "padding", "-1", "MaxPool2d", () => new MaxPool2d(2, padding: -1)),
        ("MaxPool2d(dilation 0)", "dilation", "0", "MaxPool2d", () => new MaxPool2d(2, dilation: 0)),
        ("MaxPool1d(0)", "kernel", "0", "MaxPool1d", () => new MaxPool1d(0)),
        ("AvgPool1d(stride 0)", "stride", "0", "AvgPool1d", () => new AvgPool1d(2, stride: 0)),
        ("ConvTranspose2d(outputPadding -1)", "outputPadding", "-1", "ConvTranspose2d", () => new ConvTranspose2d(1, 1, 3, stride: 2, outputPadding: -1)),
        ("DropConnect(2, -1)", "outputs", "-1", "DropConnect", () => new DropConnect(2, -1)),
        ("AvgPool2d(0)", "kernel", "0", "AvgPool2d", () => new AvgPool2d(0)),
        ("AvgPool2d(stride -1)", "stride", "-1", "AvgPool2d", () => new AvgPool2d(2, stride: -1)),
        ("AvgPool2d(padding -1)", "padding", "-1", "AvgPool2d", () => new AvgPool2d(2, padding: -1)),
        ("AdaptiveAvgPool2d(0, 1)", "outH", "0", "AdaptiveAvgPool2d", () => new AdaptiveAvgPool2d(0, 1)),
        ("AdaptiveAvgPool2d(1, -1)", "outW", "-1", "AdaptiveAvgPool2d", () => new AdaptiveAvgPool2d(1, -1)),
        ("AdaptiveAvgPool1d(0)", "output", "0", "AdaptiveAvgPool1d", () => new AdaptiveAvgPool1d(0)),
        ("BatchNorm(0)", "features", "0", "BatchNorm", () => new BatchNorm(0)),
        ("BatchNorm(momentum -0.1)", "momentum", "-0.1", "BatchNorm", () => new BatchNorm(3, momentum: -0.1)),
        ("BatchNorm(momentum 1.5)", "momentum", "1.5", "BatchNorm", () => new BatchNorm(3, momentum: 1.5)),
        ("BatchNorm(momentum NaN)", "momentum", "NaN", "BatchNorm", () => new BatchNorm(3, momentum: double.NaN)),
        ("BatchNorm(epsilon 0)", "epsilon", "0", "BatchNorm", () => new BatchNorm(3, epsilon: 0)),
        ("BatchNorm(epsilon -1)", "epsilon", "-1", "BatchNorm", () => new BatchNorm(3, epsilon: -1)),
        ("BatchNorm(epsilon NaN)", "epsilon", "NaN", "BatchNorm", () => new BatchNorm(3, epsilon: double.NaN)),
        ("Dropout(-0.1)", "p", "-0.1", "Dropout", () => new Dropout(-0.1)),
        ("Dropout(1)", "p", "1", "Dropout", () => new Dropout(1.0)),
        ("Dropout(NaN)", "p", "NaN", "Dropout", () => new Dropout(double.NaN)),
        ("Dropout2d(-1)", "p", "-1", "Dropout2d", () => new Dropout2d(-1)),
        ("Dropout2d(NaN)", "p", "NaN", "Dropout2d", () => new Dropout2d(double.NaN)),
        ("DropConnect(p NaN)", "p", "NaN", "DropConnect", () => new DropConnect(2, 2, double.NaN)),
        ("DropConnect(p 1)", "p", "1", "DropConnect", () => new DropConnect(2, 2, 1.0)),
        ("DropConnect(0, 2)", "inputs", "0", "DropConnect", () => new DropConnect(0, 2)),
        ("LeakyReLU(NaN)", "alpha", "NaN", "LeakyReLU", () => new LeakyReLU(double.NaN)),
        ("ELU(NaN)", "alpha", "NaN", "ELU", () => new ELU(double.NaN)),
        ("GruCell(0, 1)", "inputs", "0", "GruCell", () => new GruCell(0, 1)),
        ("GruCell(1, -1)", "hidden", "-1", "GruCell", () => new GruCell(1, -1)),
        ("LstmCell(0, 1)", "inputs", "0", "LstmCell", () => new LstmCell(0, 1)),
        ("LstmCell(1, 0)", "hidden", "0", "LstmCell", () => new LstmCell(1, 0)),
        ("PeepholeLstmCell(1, 0)", "hidden", "0", "PeepholeLstmCell", () => new PeepholeLstmCell(1, 0)),
        ("RnnCell(-1, 1)", "inputs", "-1", "RnnCell", () => new RnnCell(-1, 1)),
        ("RnnCell(1, 0)", "hidden", "0", "RnnCell", () => new RnnCell(1, 0)),
        ("RandomShift(-1)", "maxShift", "-1", "RandomShift", () => new RandomShift(-1)),
        ("RandomShift(rows 0)", "rows", "0", "RandomShift", () => new RandomShift(1, rows: 0)),
        ("RandomAffine(-1°)", "maxDegrees", "-1", "RandomAffine", () => new RandomAffine(-1, 0, 0)),
        ("RandomAffine(scale 1)", "maxScale", "1", "RandomAffine", () => new RandomAffine(0, 1, 0)),
        ("RandomAffine(shift NaN)", "maxShift", "NaN", "RandomAffine", () => new RandomAffine(0, 0, double.NaN)),
        ("RandomAffine(columns 0)", "columns", "0", "RandomAffine", () => new RandomAffine(5, 0.1, 1, columns: 0)),
        ("Sgd(momentum -1)", "momentum", "-1", "Momentum", () => Optim.Sgd(0.1, momentum: -1)),
        ("Sgd(momentum NaN)", "momentum", "NaN", "Momentum", () => Optim.Sgd(0.1, momentum: double.NaN)),
        ("Sgd(weightDecay -1)", "weightDecay", "-1", "AddDecayedWeights", () => Optim.Sgd(0.1, weightDecay: -1)),
        ("Adam(beta1 1)", "beta1", "1", "Adam", () => Optim.Adam(beta1: 1)),
        ("Adam(beta2 NaN)", "beta2", "NaN", "Adam", () => Optim.Adam(beta2: double.NaN)),
        ("Adam(epsilon -1)", "epsilon", "-1", "Adam", () => Optim.Adam(epsilon: -1)),
        ("AdamW(weightDecay NaN)", "weightDecay", "NaN", "AddDecayedWeights", () => Optim.AdamW(weightDecay: double.NaN)),
        ("RmsProp(alpha -0.5)", "alpha", "-0.5", "RMSprop", () => Optim.RmsProp(alpha: -0.5)),
        ("Adagrad(lrDecay -1)", "lrDecay", "-1", "Adagrad", () => Optim.Adagrad(lrDecay: -1)),
        ("Adadelta(rho 1.5)", "rho", "1.5", "Adadelta", () => Optim.Adadelta(rho: 1.5)),
        ("Adamax(beta1 -0.1)", "beta1", "-0.1", "Adamax", () => Optim.Adamax(beta1: -0.1)),
        ("LectureMomentum(gamma NaN)", "gamma", "NaN", "LectureMomentum", () => Optim.LectureMomentum(0.1, double.NaN)),
    ];

    [Fact]
    public void Out_of_range_constructor_and_factory_arguments_name_the_parameter_and_the_value()
    {
        var failures = new List<string>();
        foreach (var (name, parameter, value, owner, make) in Table)
        {
            try
            {
                make();
                failures.Add($"{name}: accepted");
            }
            catch (ArgumentOutOfRangeException e)
            {
                if (e.ParamName != parameter)
                {
                    failures.Add($"{name}: names '{e.ParamName}', not '{parameter}'");
                }
                else if (!e.Message.Contains(owner, StringComparison.Ordinal) || !e.Message.Contains(value, StringComparison.Ordinal))
                {
                    failures.Add($"{name}: message does not name {owner} and {value}: {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Table.Length} cases tried fail:\n{string.Join("\n", failures)}");
    }
}
