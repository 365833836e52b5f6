using System.Globalization;
using System.Text.Json;

namespace Functional.Nets;

/// <summary>
/// Saves and loads a whole <see cref="TrainState"/> as one safetensors file (see <see cref="SafeTensors"/>),
/// so that training resumes exactly where it stopped and a PyTorch user can open the weights.
/// </summary>
/// <remarks>
/// <para>Layout of the file. Parameters and layer state keep their own names, which are PyTorch
/// <c>state_dict</c> names (<c>0.weight</c>, <c>0.bias</c>, <c>1.running_mean</c>), so in Python
/// <c>model.load_state_dict({k: v for k, v in load_file(p).items() if not k.startswith("optimizer.")})</c>
/// takes them directly. Optimizer state is stored under the prefix <c>optimizer.</c>
/// (<c>optimizer.step</c>, <c>optimizer.0.weight.exp_avg</c>). The header's <c>__metadata__</c> holds
/// <c>format</c> = <c>pt</c> (the convention of PyTorch-flavoured safetensors files) and, under keys
/// starting with <c>functional.nets.</c>: the step and the two words of the key as decimal strings, and
/// which non-optimizer entries are layer state (a JSON array of names).</para>
/// <para>Saving is atomic (<see cref="AtomicFile"/>): a crash mid-save leaves the previous checkpoint intact.
/// Values round-trip bit for bit: float64 tensors are stored as F64 and float32 tensors as F32.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The prefix of optimizer-state entries.</summary>
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>The prefix of the metadata keys this library reserves.</summary>
    public const string MetadataPrefix = "functional.nets.";

    /// <summary>Metadata key of the format version.</summary>
    public const string VersionKey = MetadataPrefix + "version";

    /// <summary>Metadata key of <see cref="TrainState.Step"/> (a decimal string).</summary>
    public const string StepKey = MetadataPrefix + "step";

    /// <summary>Metadata key of <see cref="Key.Hi"/> of <see cref="TrainState.Key"/> (a decimal string).</summary>
    public const string KeyHiKey = MetadataPrefix + "key.hi";

    /// <summary>Metadata key of <see cref="Key.Lo"/> of <see cref="TrainState.Key"/> (a decimal string).</summary>
    public const string KeyLoKey = MetadataPrefix + "key.lo";

    /// <summary>Metadata key of the names of the layer-state entries (a JSON array of strings).</summary>
    public const string LayerStateKey = MetadataPrefix + "layer_state";

    /// <summary>Metadata key of the state's <see cref="FitProgress"/> (JSON, <see cref="FitProgress.ToJson"/>), written when the state has one.</summary>
    public const string FitKey = MetadataPrefix + "fit";

    /// <summary>Metadata key of the part names of a <see cref="MultiPartState"/> of several parts (a JSON array of strings, in order).</summary>
    public const string PartsKey = MetadataPrefix + "parts";

    private const string Version = "1";

    /// <summary>
    /// Saves every part of <paramref name="state"/> to <paramref name="path"/>, atomically. A one-part state is saved
    /// exactly as its <see cref="TrainState"/> (<see cref="MultiPartState.ToTrainState"/>), so <see cref="Load(string, Backend)"/>
    /// reads it too. With several parts, each part's leaves are prefixed by its name and a dot: parameters and layer
    /// state as <c>generator.0.weight</c>, optimizer state as <c>generator.optimizer.0.weight.exp_avg</c>; the header
    /// lists the parts under <see cref="PartsKey"/>, and <see cref="LayerStateKey"/> lists the layer-state entries by their
    /// full names. In Python, <c>{k[10:]: v for k, v in f.items() if k.startswith("generator.") and ".optimizer." not in k}</c>
    /// is the generator's <c>state_dict</c>.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="state">The state.</param>
    /// <param name="metadata">Extra strings for the header; keys may not start with <see cref="MetadataPrefix"/>.</param>
    public static void Save(string path, MultiPartState state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (tensors, header) = state.Parts.Count == 1 ? Layout(state.ToTrainState(), metadata) : Layout(state, metadata);
        SafeTensors.Write(path, tensors, header);
    }

    /// <summary>
    /// Loads a checkpoint of <paramref name="like"/>'s parts onto <paramref name="backend"/>: every part of
    /// <paramref name="like"/> (its name, optimizer, and the names and shapes of its parameters, layer state and
    /// optimizer state) must be in the file with exactly those leaves, checked from the header before any data is read;
    /// the parts come back in <paramref name="like"/>'s order with its optimizers. A file saved from a one-part state
    /// or a <see cref="TrainState"/> (no <see cref="PartsKey"/>) loads into a one-part <paramref name="like"/> of any name.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="backend">The backend the tensors are made on.</param>
    /// <param name="like">A state of the same parts, e.g. freshly created with <see cref="MultiPartState.Create"/>; its values are not used.</param>
    /// <exception cref="CheckpointException">
    /// The file is invalid; a part is missing or extra; or a leaf is missing, extra or of another shape. The message
    /// names the file, the part and leaf, and what was expected and found.
    /// </exception>
    public static MultiPartState Load(string path, Backend backend, MultiPartState like) => Load(path, backend, like, requireFinite: false);

    /// <summary>As <see cref="Load(string, Backend, MultiPartState)"/>; with <paramref name="requireFinite"/>, a NaN or infinite value is refused.</summary>
    /// <param name="path">The file.</param>
    /// <param name="backend">The backend the tensors are made on.</param>
    /// <param name="like">A state of the same parts; its values are not used.</param>
    /// <param name="requireFinite">Whether a NaN or infinite element (or one that overflows the backend's float32) throws, naming the leaf and the element.</param>
    /// <exception cref="CheckpointException">As the overload without <paramref name="requireFinite"/>, or a value is not finite.</exception>
    public static MultiPartState Load(string path, Backend backend, MultiPartState like, bool requireFinite)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(like);
        using var stream = SafeTensors.OpenRead(path);
        var header = SafeTensorsHeader.Read(stream, path);
        var (step, key) = StepAndKey(header);
        var fileParts = PartNames(header);
        if (fileParts is null && like.Parts.Count != 1)
        {
            throw new CheckpointException(
                path,
                null,
                $"the state expects the parts {string.Join(", ", like.Names)}, but the file holds one model (saved from a TrainState or a one-part state)");
        }

        if (fileParts is not null)
        {
            var missing = like.Names.FirstOrDefault(n => !fileParts.Contains(n));
            if (missing is not null)
            {
                throw new CheckpointException(
                    path, null, $"the state expects the part '{missing}', which the file lacks; the file's parts are {string.Join(", ", fileParts)}, the state's {string.Join(", ", like.Names)}");
            }

            var extra = fileParts.FirstOrDefault(n => !like.Contains(n));
            if (extra is not null)
            {
                throw new CheckpointException(
                    path, null, $"the file has the part '{extra}', which the state does not; the file's parts are {string.Join(", ", fileParts)}, the state's {string.Join(", ", like.Names)}");
            }
        }

        // Every expected entry by its name in the file, with the part and tree it goes to.
        var expected = new List<(string File, string Part, int Tree, string Leaf, Shape Shape)>();
        foreach (var part in like.Parts)
        {
            var prefix = fileParts is null ? "" : part.Name + ".";
            expected.AddRange(part.Parameters.Select(l => (prefix + l.Key, part.Name, 0, l.Key, l.Value.Shape)));
            expected.AddRange(part.LayerState.Select(l => (prefix + l.Key, part.Name, 1, l.Key, l.Value.Shape)));
            expected.AddRange(part.OptimizerState.Select(l => (prefix + OptimizerPrefix + l.Key, part.Name, 2, l.Key, l.Value.Shape)));
        }

        string[] trees = ["parameter", "layer-state leaf", "optimizer-state leaf"];
        var selected = new List<(string, SafeTensorsEntry)>(expected.Count);
        foreach (var (file, part, tree, leaf, shape) in expected)
        {
            if (!header.TryGet(file, out var entry))
            {
                var own = header.Entries.Where(e => fileParts is null || e.Name.StartsWith(part + ".", StringComparison.Ordinal)).ToList();
                throw new CheckpointException(
                    path,
                    file,
                    $"part '{part}' expects the {trees[tree]} '{leaf}' (shape {shape}), which the file lacks; the file's entries of this part are {Describe(own)}");
            }

            if (entry.Shape != shape)
            {
                throw new CheckpointException(path, file, $"part '{part}' expects the {trees[tree]} '{leaf}' of shape {shape}, the file has {entry.Shape}");
            }

            selected.Add((file, entry));
        }

        var names = new HashSet<string>(expected.Select(e => e.File), StringComparer.Ordinal);
        var unexpected = header.Entries.FirstOrDefault(e => !names.Contains(e.Name));
        if (unexpected is not null)
        {
            throw new CheckpointException(path, unexpected.Name, $"the file has this entry (shape {unexpected.Shape}) but no part of the state has such a leaf");
        }

        var all = SafeTensors.ReadTensors(stream, header, selected, backend, requireFinite);
        var parts = like.Parts.Select(part =>
        {
            TensorTree Tree(int tree) => TensorTree.Of(expected
                .Where(e => e.Part == part.Name && e.Tree == tree)
                .Select(e => KeyValuePair.Create(e.Leaf, all[e.File])));
            return part with { Parameters = Tree(0), LayerState = Tree(1), OptimizerState = Tree(2) };
        });
        return new MultiPartState(parts.ToArray(), step, key) { Progress = Progress(header) };
    }

    /// <summary>Saves <paramref name="state"/> to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The file to create or replace (conventionally <c>*.safetensors</c>).</param>
    /// <param name="state">The training state.</param>
    /// <param name="metadata">Extra strings for the header (e.g. the model's description); keys may not start with <see cref="MetadataPrefix"/>.</param>
    public static void Save(string path, TrainState state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (tensors, header) = Layout(state, metadata);
        SafeTensors.Write(path, tensors, header);
    }

    /// <summary>Writes <paramref name="state"/> as a checkpoint to <paramref name="stream"/> (not atomic; <see cref="Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> is).</summary>
    public static void Write(Stream stream, TrainState state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (tensors, header) = Layout(state, metadata);
        SafeTensors.Write(stream, tensors, header);
    }

    /// <summary>Loads a checkpoint written by <see cref="Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> onto <paramref name="backend"/>.</summary>
    /// <exception cref="CheckpointException">The file is not a valid safetensors file, or lacks the metadata of a training checkpoint.</exception>
    public static TrainState Load(string path, Backend backend) => Load(path, backend, requireFinite: false);

    /// <summary>As <see cref="Load(string, Backend)"/>; with <paramref name="requireFinite"/>, a NaN or infinite value is refused.</summary>
    /// <param name="path">The file.</param>
    /// <param name="backend">The backend the tensors are made on.</param>
    /// <param name="requireFinite">Whether a NaN or infinite element (or one that overflows the backend's float32) throws, naming the leaf and the element.</param>
    /// <exception cref="CheckpointException">As the overload without <paramref name="requireFinite"/>, or a value is not finite.</exception>
    public static TrainState Load(string path, Backend backend, bool requireFinite)
    {
        ArgumentNullException.ThrowIfNull(backend);
        using var stream = SafeTensors.OpenRead(path);
        var header = SafeTensorsHeader.Read(stream, path);
        var (step, key) = StepAndKey(header);
        if (PartNames(header) is { } parts)
        {
            throw new CheckpointException(
                path,
                null,
                $"the file holds the parts {string.Join(", ", parts)} of a MultiPartState; load it with Checkpoint.Load(path, backend, like), like a state of those parts");
        }

        var layerState = LayerStateNames(header);

        // One pass over the data buffer; if it fails, nothing read is left unreleased.
        var all = SafeTensors.ReadTensors(stream, header, header.Entries.Select(e => (e.Name, e)).ToList(), backend, requireFinite);
        var parameters = new List<KeyValuePair<string, Tensor>>();
        var state = new List<KeyValuePair<string, Tensor>>();
        var optimizer = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in all)
        {
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                optimizer.Add(KeyValuePair.Create(name[OptimizerPrefix.Length..], tensor));
            }
            else if (layerState.Contains(name))
            {
                state.Add(KeyValuePair.Create(name, tensor));
            }
            else
            {
                parameters.Add(KeyValuePair.Create(name, tensor));
            }
        }

        return new TrainState(TensorTree.Of(parameters), TensorTree.Of(state), TensorTree.Of(optimizer), step, key) { Progress = Progress(header) };
    }

    /// <summary>
    /// Loads only the parameters of a checkpoint (not its layer state or optimizer state). With
    /// <paramref name="expectedLike"/> (e.g. <c>model.Init(key, backend)</c>) the file's parameters must have
    /// exactly its leaf names and shapes, checked from the header before any data is read, and come back in
    /// its order. A safetensors file from elsewhere (no <c>functional.nets.</c> metadata) loads too: every
    /// entry not under <see cref="OptimizerPrefix"/> counts as a parameter.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="backend">The backend the tensors are made on.</param>
    /// <param name="expectedLike">The tree whose leaf names and shapes the file must have, or null to take the file's.</param>
    /// <param name="requireFinite">Whether a NaN or infinite element (or one that overflows the backend's float32) throws, naming the leaf and the element.</param>
    /// <exception cref="CheckpointException">The file is invalid, a leaf is missing, extra or of another shape than expected, or (with <paramref name="requireFinite"/>) a value is not finite; the message names the file and the leaf.</exception>
    public static TensorTree LoadParameters(string path, Backend backend, TensorTree? expectedLike = null, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(backend);
        using var stream = SafeTensors.OpenRead(path);
        var header = SafeTensorsHeader.Read(stream, path);
        var layerState = LayerStateNames(header);
        var optimizerPrefixes = (PartNames(header) ?? []).Select(p => p + "." + OptimizerPrefix).Append(OptimizerPrefix).ToArray();
        var inFile = header.Entries
            .Where(e => !optimizerPrefixes.Any(o => e.Name.StartsWith(o, StringComparison.Ordinal)) && !layerState.Contains(e.Name))
            .ToList();
        if (expectedLike is null)
        {
            return SafeTensors.ReadTensors(stream, header, inFile.Select(e => (e.Name, e)).ToList(), backend, requireFinite);
        }

        var byName = inFile.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var selected = new List<(string, SafeTensorsEntry)>(expectedLike.Count);
        foreach (var (name, like) in expectedLike)
        {
            if (!byName.TryGetValue(name, out var entry))
            {
                throw new CheckpointException(
                    path,
                    name,
                    $"the expected parameter (shape {like.Shape}) is missing from the file; the file's parameters are {Describe(inFile)}");
            }

            if (entry.Shape != like.Shape)
            {
                throw new CheckpointException(path, name, $"expected shape {like.Shape}, the file has {entry.Shape}");
            }

            selected.Add((name, entry));
        }

        var extra = inFile.FirstOrDefault(e => !expectedLike.Contains(e.Name));
        if (extra is not null)
        {
            throw new CheckpointException(
                path,
                extra.Name,
                $"the file has this parameter (shape {extra.Shape}) but the expected tree does not; expected {expectedLike.Describe()}");
        }

        return SafeTensors.ReadTensors(stream, header, selected, backend, requireFinite);
    }

    /// <summary>
    /// Loads a checkpoint's parameters (or layer state) into <paramref name="target"/>, a larger model's
    /// tree, as PyTorch's <c>load_state_dict</c>: the file's leaf <c>x</c> replaces the target's
    /// <c>prefix.x</c> (or <c>x</c> without a prefix), on that target leaf's backend. Leaves outside the
    /// prefix are untouched and not counted as missing. Names and shapes are compared from the header before
    /// any data is read; only matched entries are read. The result has the target's names, in its order.
    /// </summary>
    /// <remarks>
    /// With <paramref name="strict"/> any leaf missing from the file, any unexpected entry or any shape
    /// mismatch throws; without it missing leaves keep the target's values and unexpected entries are
    /// skipped (both listed in the report), but a shape mismatch still throws, as in PyTorch. To load only
    /// part of a file, read it with <see cref="LoadParameters"/> and cut it with the tree surgery
    /// (<see cref="TensorTree.Child"/>, <see cref="TensorTree.Without(string)"/>, <see cref="TensorTree.Rename(string, string)"/>),
    /// then use <see cref="TensorTree.LoadStateDict"/>.
    /// </remarks>
    /// <example><code>
    /// // A Sequential(backbone, head): load the pretrained backbone's file into child "0".
    /// var (parameters, report) = Checkpoint.LoadInto("backbone.safetensors", model.Init(key, backend), prefix: "0");
    /// </code></example>
    /// <param name="path">The safetensors file (a <see cref="Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> checkpoint or any safetensors file).</param>
    /// <param name="target">The tree to load into; its leaves fix the names, shapes, order and backends.</param>
    /// <param name="prefix">The target subtree the file's leaves belong to (e.g. <c>0</c> or <c>backbone</c>), or null for the whole target.</param>
    /// <param name="strict">Whether a missing or unexpected leaf throws (a shape mismatch always does).</param>
    /// <param name="part">Which entries of the file are the source: its parameters (as <see cref="LoadParameters"/> counts them) or its layer state.</param>
    /// <param name="requireFinite">Whether a NaN or infinite element of a loaded entry (or one that overflows the target leaf's float32) throws, naming the leaf and the element.</param>
    /// <exception cref="CheckpointException">The file is invalid, or does not fit the target; <see cref="CheckpointException.Report"/> then holds the comparison, and the message lists names and shapes. With <paramref name="requireFinite"/>, also a value that is not finite.</exception>
    public static (TensorTree Tree, LoadReport Report) LoadInto(
        string path, TensorTree target, string? prefix = null, bool strict = true, CheckpointPart part = CheckpointPart.Parameters, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (prefix is not null && (prefix.Length == 0 || prefix.EndsWith('.')))
        {
            throw new ArgumentException($"LoadInto: a prefix is one or more name segments without a trailing dot (e.g. 'backbone' or '0.1'), got '{prefix}'", nameof(prefix));
        }

        using var stream = SafeTensors.OpenRead(path);
        var header = SafeTensorsHeader.Read(stream, path);
        var layerState = LayerStateNames(header);
        var inFile = header.Entries
            .Where(e => !e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && layerState.Contains(e.Name) == (part == CheckpointPart.LayerState))
            .ToList();
        var sub = prefix is null ? target : target.Child(prefix);
        var report = LoadReport.Compare(sub.Select(l => new LeafShape(l.Key, l.Value.Shape)), [.. inFile.Select(e => new LeafShape(e.Name, e.Shape))], prefix);
        if (TensorTree.LoadFailure(report, strict) is { } problem)
        {
            throw new CheckpointException(path, $"LoadInto{(prefix is null ? "" : $" (prefix '{prefix}')")}: {problem}", report);
        }

        var byName = inFile.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var selected = new List<(string Name, SafeTensorsEntry Entry)>();
        var backends = new List<Backend>();
        foreach (var (name, leaf) in sub)
        {
            if (byName.TryGetValue(name, out var entry))
            {
                selected.Add((name, entry));
                backends.Add(leaf.Backend);
            }
        }

        var loaded = SafeTensors.ReadTensors(stream, header, selected, i => backends[i], requireFinite);
        return (target.With(prefix is null ? loaded : loaded.WithPrefix(prefix)), report);
    }

    private static (TensorTree Tensors, Dictionary<string, string> Metadata) Layout(TrainState state, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (name, _) in state.Parameters.Concat(state.LayerState))
        {
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Checkpoint: the leaf '{name}' starts with '{OptimizerPrefix}', which marks optimizer state in a checkpoint; rename it", nameof(state));
            }

            if (state.Parameters.Contains(name) && state.LayerState.Contains(name))
            {
                throw new ArgumentException($"Checkpoint: '{name}' names both a parameter and a layer-state leaf", nameof(state));
            }
        }

        var header = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Checkpoint: metadata keys starting with '{MetadataPrefix}' are reserved, got '{key}'", nameof(metadata));
            }

            header[key] = value;
        }

        header[VersionKey] = Version;
        header[StepKey] = state.Step.ToString(CultureInfo.InvariantCulture);
        header[KeyHiKey] = state.Key.Hi.ToString(CultureInfo.InvariantCulture);
        header[KeyLoKey] = state.Key.Lo.ToString(CultureInfo.InvariantCulture);
        header[LayerStateKey] = JsonSerializer.Serialize(state.LayerState.Names.ToArray());
        if (state.Progress is { } progress)
        {
            header[FitKey] = progress.ToJson();
        }

        var tensors = TensorTree.Of(
            state.Parameters
                .Concat(state.LayerState)
                .Concat(state.OptimizerState.Select(l => KeyValuePair.Create(OptimizerPrefix + l.Key, l.Value))));
        return (tensors, header);
    }

    private static (TensorTree Tensors, Dictionary<string, string> Metadata) Layout(MultiPartState state, IReadOnlyDictionary<string, string>? metadata)
    {
        var leaves = new List<KeyValuePair<string, Tensor>>();
        var layerState = new List<string>();
        foreach (var part in state.Parts)
        {
            // Each part obeys the one-model rules (no leaf under optimizer., no name both a parameter and state).
            var (own, _) = Layout(new TrainState(part.Parameters, part.LayerState, part.OptimizerState, state.Step, state.Key), null);
            leaves.AddRange(own.Select(l => KeyValuePair.Create(part.Name + "." + l.Key, l.Value)));
            layerState.AddRange(part.LayerState.Names.Select(n => part.Name + "." + n));
        }

        var (_, header) = Layout(new TrainState(TensorTree.Empty, TensorTree.Empty, TensorTree.Empty, state.Step, state.Key) { Progress = state.Progress }, metadata);
        header[LayerStateKey] = JsonSerializer.Serialize(layerState.ToArray());
        header[PartsKey] = JsonSerializer.Serialize(state.Names.ToArray());
        return (TensorTree.Of(leaves), header);
    }

    /// <summary>The part names of a multi-part checkpoint, or null for a one-model file.</summary>
    private static string[]? PartNames(SafeTensorsHeader header)
    {
        if (!header.Metadata.TryGetValue(PartsKey, out var json))
        {
            return null;
        }

        try
        {
            var parsed = JsonSerializer.Deserialize<string[]>(json);
            if (parsed is null || parsed.Length == 0 || parsed.Any(string.IsNullOrEmpty))
            {
                throw new CheckpointException(header.Path, null, $"metadata '{PartsKey}' must be a non-empty JSON array of part names, got {json}");
            }

            return parsed;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(header.Path, null, $"metadata '{PartsKey}' must be a JSON array of part names, got {json}", e);
        }
    }

    private static HashSet<string> LayerStateNames(SafeTensorsHeader header)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!header.Metadata.TryGetValue(LayerStateKey, out var json))
        {
            return names;
        }

        string[]? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<string[]>(json);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(header.Path, null, $"metadata '{LayerStateKey}' must be a JSON array of names, got {json}", e);
        }

        foreach (var name in parsed ?? [])
        {
            if (name is null || !header.TryGet(name, out _))
            {
                throw new CheckpointException(header.Path, name, $"metadata '{LayerStateKey}' lists this layer-state leaf, but the file has no such entry");
            }

            names.Add(name);
        }

        return names;
    }

    private static T ParseInteger<T>(SafeTensorsHeader header, string key, Func<string, T> parse)
    {
        if (!header.Metadata.TryGetValue(key, out var text))
        {
            throw new CheckpointException(
                header.Path,
                null,
                $"the __metadata__ has no '{key}', so this is not a training checkpoint written by Checkpoint.Save; read its tensors with Checkpoint.LoadParameters or SafeTensors.Read");
        }

        try
        {
            return parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new CheckpointException(header.Path, null, $"metadata '{key}' must be a decimal integer, got '{text}'", e);
        }
    }

    private static string Describe(IEnumerable<SafeTensorsEntry> entries)
    {
        var list = entries.Select(e => $"{e.Name} {e.Shape}").ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }

    /// <summary>The largest step a checkpoint may hold: 2⁵³ − 1, the largest integer a float64 holds exactly (a million steps a second for 285 years).</summary>
    public const long MaxStep = (1L << 53) - 1;

    private static long Plausible(SafeTensorsHeader header, long step) => step is >= 0 and <= MaxStep
        ? step
        : throw new CheckpointException(
            header.Path,
            null,
            string.Create(CultureInfo.InvariantCulture, $"metadata '{StepKey}' is {step}: a step count must lie in [0, {MaxStep}] (Checkpoint.MaxStep); the file is damaged or was not written by Checkpoint.Save"));

    /// <summary>The fit record of the header, or null if it has none (a state saved outside <c>Fit</c>, or by an older version).</summary>
    private static FitProgress? Progress(SafeTensorsHeader header)
    {
        if (!header.Metadata.TryGetValue(FitKey, out var json))
        {
            return null;
        }

        try
        {
            return FitProgress.FromJson(json);
        }
        catch (FormatException e)
        {
            throw new CheckpointException(header.Path, null, $"metadata '{FitKey}': {e.Message}");
        }
    }

    /// <summary>The step counter and key a training checkpoint's metadata holds (both state kinds write them alike).</summary>
    /// <remarks>
    /// A step below 0 or above <see cref="MaxStep"/> is refused: no run takes it, and loading it would give negative epoch
    /// numbers or a counter that overflows at the next step.
    /// </remarks>
    private static (long Step, Key Key) StepAndKey(SafeTensorsHeader header) =>
        (Plausible(header, ParseInteger(header, StepKey, s => long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))),
         new Key(
             ParseInteger(header, KeyHiKey, s => ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)),
             ParseInteger(header, KeyLoKey, s => ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture))));
}
