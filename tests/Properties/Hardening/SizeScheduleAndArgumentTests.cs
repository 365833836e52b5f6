namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, points 3, 6 and 9 in part: sizes cannot wrap (a shape whose element count exceeds 2⁶³ − 1 is refused where
/// it is made), schedules refuse rates and decay factors that would train uphill, a user-written schedule's bad value is
/// refused at the step, and public constructors and key draws name their bad argument.
/// </summary>
public sealed class SizeScheduleAndArgumentTests
{
    [Fact]
    public void A_shape_whose_size_overflows_is_refused_where_it_is_made()
    {
        var e = Assert.Throws<ArgumentException>(() => new Shape(65536, 65536, 65536, 65536, 4));
        Assert.Contains("[65536, 65536, 65536, 65536, 4]", e.Message, StringComparison.Ordinal);
        Assert.Contains("64-bit", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L << 62, new Shape(65536, 65536, 65536, 16384).Size);
        Assert.Equal(1L, Shape.Scalar.Size);
        Assert.Equal(1L, default(Shape).Size);
    }

    public static TheoryData<string> BadSchedules => new()
    {
        "Constant(-0.1)", "Constant(NaN)", "Constant(∞)", "Cosine(-1e-3)", "Cosine(min > rate)", "Exponential(γ = -0.5)", "Exponential(γ = 1.1)",
        "Step(γ = 0)", "InverseTime(-1)",
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public void Schedules_refuse_rates_and_decays_that_train_uphill(string name)
    {
        Action make = name switch
        {
            "Constant(-0.1)" => () => Schedules.Constant(-0.1),
            "Constant(NaN)" => () => Schedules.Constant(double.NaN),
            "Constant(∞)" => () => Schedules.Constant(double.PositiveInfinity),
            "Cosine(-1e-3)" => () => Schedules.Cosine(-1e-3, 100),
            "Cosine(min > rate)" => () => Schedules.Cosine(1e-3, 100, minRate: 1e-2),
            "Exponential(γ = -0.5)" => () => Schedules.Exponential(0.1, -0.5),
            "Exponential(γ = 1.1)" => () => Schedules.Exponential(0.1, 1.1),
            "Step(γ = 0)" => () => Schedules.Step(0.1, 10, 0),
            "InverseTime(-1)" => () => Schedules.InverseTime(-1),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(make);
        Assert.Contains("Schedules.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_schedule_that_returns_NaN_is_refused_at_the_step_it_does()
    {
        var backend = Reference.ReferenceBackend.Instance;
        var p = TensorTree.Of(("w", backend.FromArray([1.0, 2.0], 2)));
        var optimizer = Optim.Sgd(t => t < 2 ? 0.1 : double.NaN);
        var state = optimizer.Init(p);
        for (var t = 0; t < 2; t++)
        {
            (p, state) = optimizer.Step(p, state, p);
        }

        var e = Assert.Throws<InvalidOperationException>(() => optimizer.Step(p, state, p));
        Assert.Contains("NaN at update 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructors_and_key_draws_name_their_bad_argument()
    {
        var model = new Dense(2, 1);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => new Trainer(model, null!, Optim.Sgd(0.1))).ParamName);
        Assert.Equal("optimizer", Assert.Throws<ArgumentNullException>(() => new Trainer(model, Losses.MeanSquaredError, null!)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => new Trainer(null!, Losses.MeanSquaredError, Optim.Sgd(0.1))).ParamName);
        var key = Key.FromSeed(1);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => key.Permutation(-1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => key.Uniform(-1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => key.Normal(-1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => key.Uniform(3, 1, double.NaN));
    }
}
