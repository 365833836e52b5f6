// Generative adversarial networks, two of them:
//
// - with no arguments (or "reference"), a toy GAN on a 1-D mixture of two Gaussians (ToyMixture.cs), which CI runs;
// - with "mnist", a GAN on mnist10k's digits (MnistRun.cs): an MLP pair or a convolutional pair (transposed
//   convolutions in the generator), k discriminator updates per generator update, the lecture's saturating generator
//   criterion min ln(1 − D(G(z))) or the non-saturating max ln D(G(z)), each part with its own Adam, checkpoints
//   that resume exactly, sample grids and loss curves as PNG, and a CNN judge (Judge.cs) that classifies 2,000
//   samples and measures the Fréchet distance of its features from the test digits' at every checkpoint;
//   "mnist --compare-criteria" measures the gradient norm reaching the generator under both criteria from one
//   initialisation (CriterionComparison.cs).
using Functional.Nets.Examples.Gan;

if (args.Length > 0 && args[0] == "mnist")
{
    return MnistRun.Run(args[1..]);
}

return ToyMixture.Run(args);
