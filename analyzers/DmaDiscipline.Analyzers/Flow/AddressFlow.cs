using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Follows address-like values through one body: which ones are raw physical addresses (DMA001),
    /// which are bus addresses forged outside the DMA API (DMA008). Values flow through locals,
    /// parameters, flow captures (?:, ??), arithmetic, conversions, tuples, out/ref arguments, fields
    /// of the same type and calls to methods of the same compilation (the last two through
    /// <see cref="AddressSummaries"/>).
    /// </summary>
    internal sealed class AddressFlow : FlowAnalysis<ImmutableDictionary<object, ImmutableHashSet<Origin>>>
    {
        private readonly DmaSymbols _symbols;
        private readonly AddressSummaries _summaries;
        private readonly ISymbol _owner;
        private readonly bool _summarise;
        private readonly Action<Diagnostic>? _report;
        private readonly Dictionary<(string, Location), (SyntaxNode Origin, Diagnostic Diagnostic)> _held = new Dictionary<(string, Location), (SyntaxNode, Diagnostic)>();
        private readonly ImmutableDictionary<object, ImmutableHashSet<Origin>> _entry;
        private bool _reporting;

        // What each flow capture holds: an assignment target the graph evaluated ahead of the value.
        private readonly Dictionary<CaptureId, IOperation> _captured = new Dictionary<CaptureId, IOperation>();

        public AddressFlow(DmaSymbols symbols, AddressSummaries summaries, ISymbol owner, bool summarise, Action<Diagnostic>? report)
        {
            _symbols = symbols;
            _summaries = summaries;
            _owner = owner;
            _summarise = summarise;
            _report = report;
            var entry = ImmutableDictionary.Create<object, ImmutableHashSet<Origin>>();
            if (owner is IMethodSymbol method)
            {
                foreach (var parameter in method.Parameters)
                {
                    var value = summarise ? Origin.None.Add(new ParameterOrigin(parameter.Ordinal)) : Origin.None;
                    if (symbols.IsGivenPhysicalAddress(parameter))
                    {
                        value = value.Add(GivenPhysicalOrigin.Instance);
                    }

                    if (symbols.IsDeviceMemoryParameter(parameter) && !parameter.DeclaringSyntaxReferences.IsEmpty)
                    {
                        value = value.Add(new DeviceMemoryOrigin(parameter.DeclaringSyntaxReferences[0].GetSyntax(), $"'{parameter.Name}'"));
                    }

                    if (!value.IsEmpty)
                    {
                        entry = entry.SetItem(parameter, value);
                    }
                }
            }

            _entry = entry;
        }

        /// <summary>Union of the values returned (summary mode).</summary>
        public ImmutableHashSet<Origin> Returns { get; private set; } = Origin.None;

        /// <summary>Constructors of the compilation called here, with their argument values (summary mode).</summary>
        public List<(IMethodSymbol Constructor, ImmutableArray<ImmutableHashSet<Origin>> Arguments, SyntaxNode Site)> Creations { get; } = new List<(IMethodSymbol, ImmutableArray<ImmutableHashSet<Origin>>, SyntaxNode)>();

        /// <summary>Values stored into fields of the compilation, of any type (summary mode).</summary>
        public Dictionary<IFieldSymbol, ImmutableHashSet<Origin>> FieldWrites { get; } = new Dictionary<IFieldSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);

        /// <summary>Where values reach a sink or another method's parameter (summary mode, report pass): what <see cref="AddressSummaries.SinkOf"/> reads.</summary>
        public List<SinkHit> SinkHits { get; } = new List<SinkHit>();

        /// <summary>Values of out/ref parameters at exit (summary mode).</summary>
        public Dictionary<int, ImmutableHashSet<Origin>> OutValues { get; } = new Dictionary<int, ImmutableHashSet<Origin>>();

        public override ImmutableDictionary<object, ImmutableHashSet<Origin>> Entry => _entry;

        public override ImmutableDictionary<object, ImmutableHashSet<Origin>> Join(ImmutableDictionary<object, ImmutableHashSet<Origin>> a, ImmutableDictionary<object, ImmutableHashSet<Origin>> b)
        {
            if (ReferenceEquals(a, b))
            {
                return a;
            }

            var result = a;
            foreach (var pair in b)
            {
                result = result.TryGetValue(pair.Key, out var existing)
                    ? (existing.IsSupersetOf(pair.Value) ? result : result.SetItem(pair.Key, existing.Union(pair.Value)))
                    : result.SetItem(pair.Key, pair.Value);
            }

            return result;
        }

        public override bool Same(ImmutableDictionary<object, ImmutableHashSet<Origin>> a, ImmutableDictionary<object, ImmutableHashSet<Origin>> b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            if (a.Count != b.Count)
            {
                return false;
            }

            foreach (var pair in a)
            {
                if (!b.TryGetValue(pair.Key, out var other) || !other.SetEquals(pair.Value))
                {
                    return false;
                }
            }

            return true;
        }

        public override ImmutableDictionary<object, ImmutableHashSet<Origin>> Visit(IOperation operation, ImmutableDictionary<object, ImmutableHashSet<Origin>> state, bool report)
        {
            _reporting = report;
            Eval(operation, ref state);
            return state;
        }

        /// <summary>Origins only flow (no branch splits them): a switch's case comparisons tell nothing.</summary>
        public override ImmutableDictionary<object, ImmutableHashSet<Origin>> SwitchValue(IOperation value, ImmutableDictionary<object, ImmutableHashSet<Origin>> state, bool report, out bool tested)
        {
            tested = false;
            return Visit(value, state, report);
        }

        public override ImmutableDictionary<object, ImmutableHashSet<Origin>> Returned(IOperation value, ImmutableDictionary<object, ImmutableHashSet<Origin>> state, bool report)
        {
            _reporting = report;
            var origins = Eval(value, ref state);
            if (_summarise)
            {
                Returns = Returns.Union(origins);
            }

            return state;
        }

        public override void AtExit(ImmutableDictionary<object, ImmutableHashSet<Origin>> state, ExitKind kind, IOperation? exitOperation)
        {
            if (!_summarise || kind != ExitKind.Return || !(_owner is IMethodSymbol method))
            {
                return;
            }

            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind == RefKind.Out || parameter.RefKind == RefKind.Ref)
                {
                    if (state.TryGetValue(parameter, out var value))
                    {
                        OutValues[parameter.Ordinal] = OutValues.TryGetValue(parameter.Ordinal, out var existing) ? existing.Union(value) : value;
                    }
                }
            }
        }

        private ImmutableHashSet<Origin> Eval(IOperation? operation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            if (operation is null)
            {
                return Origin.None;
            }

            // A deep expression (a + 1 + 1 + … in generated code) must not take the compiler down with it: past what the
            // thread's stack allows, the run stops here and the body is reported as not analysed (FlowSolver.Run).
            RuntimeHelpers.EnsureSufficientExecutionStack();
            return Finish(operation, EvalCore(operation, ref state));
        }

        /// <summary>What any value gets from its own operation, whatever it was made from: a physical or device-memory type, a forged constant.</summary>
        private ImmutableHashSet<Origin> Finish(IOperation operation, ImmutableHashSet<Origin> origins)
        {
            if (_symbols.IsPhysicalType(operation.Type) && IsValueSource(operation) && !HasPhysical(origins))
            {
                origins = origins.Add(new PhysicalOrigin(operation));
            }

            if (IsForgedConstant(operation) && !HasForged(origins))
            {
                // A non-zero address-sized constant: no DMA API made it (DMA008 where it reaches an address slot).
                origins = origins.Add(new ForgedOrigin(operation, $"the integer constant {Keys.Describe(operation)}", constant: true));
            }

            if (_symbols.IsDeviceMemoryType(operation.Type) && IsValueSource(operation) && !HasDeviceMemory(origins))
            {
                origins = origins.Add(new DeviceMemoryOrigin(operation.Syntax, Keys.Describe(operation)));
            }

            return origins;
        }

        // Which storage each ref local was bound to (ref var r = ref a): a write through r is a may-write of a.
        private readonly Dictionary<ILocalSymbol, object> _aliases = new Dictionary<ILocalSymbol, object>(SymbolEqualityComparer.Default);

        // What lambdas and local functions may write into a local they capture, by local.
        private readonly Dictionary<ILocalSymbol, ImmutableHashSet<Origin>> _capturedWrites = new Dictionary<ILocalSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);

        // Ref locals re-bound somewhere in their body (r = ref b), by local: a write through one is a may-write.
        private readonly Dictionary<ILocalSymbol, bool> _rebound = new Dictionary<ILocalSymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>
        /// Whether <paramref name="refLocal"/> is bound other than by its declaration's initializer: a ref assignment to it
        /// (<c>r = ref b</c>) where it is named (<see cref="LocalNames"/>), or a declaration without one. Once per local.
        /// </summary>
        private bool IsEverRebound(ILocalSymbol refLocal)
        {
            if (!_rebound.TryGetValue(refLocal, out var rebound))
            {
                var names = LocalNames.In(refLocal, out var scope);
                rebound = scope is null
                    || !(refLocal.DeclaringSyntaxReferences[0].GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: Microsoft.CodeAnalysis.CSharp.Syntax.RefExpressionSyntax })
                    || names.Any(name => name.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax { Right: Microsoft.CodeAnalysis.CSharp.Syntax.RefExpressionSyntax } assignment
                        && assignment.Left == name);
                _rebound[refLocal] = rebound;
            }

            return rebound;
        }

        private void Alias(ILocalSymbol refLocal, IOperation referenced)
        {
            if (Keys.Of(Keys.Unwrap(referenced)) is { } key && !(key is CaptureId))
            {
                _aliases[refLocal] = key;
            }
            else
            {
                _aliases.Remove(refLocal);
            }
        }

        /// <summary>
        /// What the lambdas and local functions of the body may store into a local they capture
        /// (<c>Action fill = () => a = v; fill();</c>): a may-assignment, read wherever the local is
        /// read, since the function may run at any call after it exists.
        /// </summary>
        private ImmutableHashSet<Origin> WrittenByNestedFunctions(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.IsEmpty)
            {
                // A local the graph made (a capture of its own): nothing nested writes it.
                return Origin.None;
            }

            return EvaluatedAside(_capturedWrites, local, NestedValues(local));
        }

        /// <summary>What the lambdas and local functions of the body assign to <paramref name="local"/> itself.</summary>
        private IEnumerable<IOperation> NestedValues(ILocalSymbol local)
        {
            foreach (var assignment in _summaries.NestedWrites(local))
            {
                if (Keys.Unwrap(assignment.Target) is ILocalReferenceOperation target && SymbolEqualityComparer.Default.Equals(target.Local, local))
                {
                    yield return assignment.Value;
                }
            }
        }

        /// <summary>
        /// The union of what <paramref name="values"/> give, each evaluated on its own, apart from the walk (nothing
        /// reported, no state of the walk read or changed), once per local: <paramref name="cache"/> keeps the answer. A
        /// local met again while its values are evaluated (<c>a = a + 1</c>) adds nothing more.
        /// </summary>
        private ImmutableHashSet<Origin> EvaluatedAside(Dictionary<ILocalSymbol, ImmutableHashSet<Origin>> cache, ILocalSymbol local, IEnumerable<IOperation> values)
        {
            if (cache.TryGetValue(local, out var known))
            {
                return known;
            }

            cache[local] = Origin.None;
            var union = Origin.None;
            var reporting = _reporting;
            _reporting = false;
            foreach (var value in values)
            {
                var scratch = ImmutableDictionary.Create<object, ImmutableHashSet<Origin>>();
                union = union.Union(Eval(value, ref scratch));
            }

            _reporting = reporting;
            cache[local] = union;
            return union;
        }

        private static bool IsValueSource(IOperation operation) =>
            operation is ILocalReferenceOperation || operation is IParameterReferenceOperation || operation is IFieldReferenceOperation
            || operation is IPropertyReferenceOperation || operation is IInvocationOperation || operation is IArrayElementReferenceOperation
            || operation is IObjectCreationOperation;

        /// <summary>A non-zero integer constant of an address-sized type: a literal, a <c>const</c> or enum member, or arithmetic of them.</summary>
        private bool IsForgedConstant(IOperation operation) => IsForgedConstant(operation, _symbols);

        /// <summary>A non-zero integer constant of an address-sized type, of 0x1000 or more (below, an offset or a flag).</summary>
        internal static bool IsForgedConstant(IOperation operation, DmaSymbols symbols)
        {
            if (!operation.ConstantValue.HasValue || operation.Type is null || !symbols.IsAddressLike(operation.Type)
                || !(operation is ILiteralOperation || operation is IFieldReferenceOperation || operation is IBinaryOperation
                    || operation is IUnaryOperation || operation is IConversionOperation))
            {
                return false;
            }

            // Below a page (0x1000) a constant is an offset or a flag, not an address.
            switch (operation.ConstantValue.Value)
            {
                case ulong u: return u >= 0x1000;
                case long l: return l >= 0x1000 || l < 0;
                case uint ui: return ui >= 0x1000;
                case int i: return i >= 0x1000 || i < 0;
                default: return false;
            }
        }

        private static bool HasForged(ImmutableHashSet<Origin> origins)
        {
            foreach (var origin in origins)
            {
                if (origin is ForgedOrigin)
                {
                    return true;
                }
            }

            return false;
        }

        private static DeviceContentOrigin? EarliestDeviceContent(ImmutableHashSet<Origin> origins) =>
            Origin.Earliest<DeviceContentOrigin>(origins, content => content.Operation.Syntax);

        /// <summary>Does the memory hold something only a caller or a field's content can tell (a parameter, a field, a call's result)?</summary>
        private static bool MayBecomeDeviceMemory(ImmutableHashSet<Origin> origins)
        {
            foreach (var origin in origins)
            {
                if (origin is ParameterOrigin || origin is FieldOrigin || origin is CallOrigin || origin is MadeMemberOrigin || origin is TranslatedOrigin)
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool HasDeviceMemory(ImmutableHashSet<Origin> origins)
        {
            foreach (var origin in origins)
            {
                if (origin is DeviceMemoryOrigin)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>What an address derived from <paramref name="origins"/> keeps: where memory is (device memory, or not known yet), not what is stored in it.</summary>
        private static ImmutableHashSet<Origin> AddressPart(ImmutableHashSet<Origin> origins)
        {
            var result = origins;
            foreach (var origin in origins)
            {
                if (origin is PhysicalOrigin || origin is ForgedOrigin || origin is BusOrigin)
                {
                    result = result.Remove(origin);
                }
            }

            return result;
        }

        private static bool HasPhysical(ImmutableHashSet<Origin> origins)
        {
            foreach (var origin in origins)
            {
                if (origin is PhysicalOrigin)
                {
                    return true;
                }
            }

            return false;
        }

        private ImmutableHashSet<Origin> EvalCore(IOperation operation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return ReadLocal(local.Local, state);

                case IParameterReferenceOperation parameter:
                    if (!state.TryGetValue(parameter.Parameter, out var parameterValue))
                    {
                        return Captured(parameter.Parameter);
                    }

                    // The address a marked parameter is given: this read is where the message finds it.
                    return parameterValue.Contains(GivenPhysicalOrigin.Instance)
                        ? parameterValue.Remove(GivenPhysicalOrigin.Instance).Add(new PhysicalOrigin(operation))
                        : parameterValue;
                case IFlowCaptureReferenceOperation captureReference:
                    return state.TryGetValue(captureReference.Id, out var captured) ? captured : Origin.None;
                case IFlowCaptureOperation capture:
                    {
                        var value = Eval(capture.Value, ref state);
                        state = state.SetItem(capture.Id, value);
                        _captured[capture.Id] = capture.Value;
                        return Origin.None;
                    }
                case ISimpleAssignmentOperation assignment:
                    return SimpleAssignment(assignment, ref state);

                case ICompoundAssignmentOperation compound:
                    {
                        var value = Eval(compound.Target, ref state).Union(Eval(compound.Value, ref state));
                        Assign(compound.Target, value, compound.Value, ref state);
                        return value;
                    }

                case IVariableDeclaratorOperation declarator:
                    {
                        // A local's initialisation as the tree has it (StructuredFlow); the graph lowers it to an assignment.
                        if (declarator.Initializer is { } initializer)
                        {
                            // The initialiser first: what it writes on the way (an out argument, a nested assignment) stays in the state.
                            var initial = Eval(initializer.Value, ref state);
                            state = state.SetItem(declarator.Symbol, initial);
                            if (declarator.Symbol.IsRef)
                            {
                                Alias(declarator.Symbol, initializer.Value);
                                ReferTo(declarator.Symbol, initializer.Value, ref state);
                            }
                        }

                        return Origin.None;
                    }

                case IConditionalOperation conditional when conditional.WhenFalse is { } otherwise && !conditional.IsRef:
                    {
                        // A ?: as the tree has it (StructuredFlow), followed as the graph lowers it: the
                        // condition, then each arm on its own path, the paths meeting with either value.
                        Eval(conditional.Condition, ref state);
                        var whenTrue = state;
                        var whenFalse = state;
                        var value = Eval(conditional.WhenTrue, ref whenTrue).Union(Eval(otherwise, ref whenFalse));
                        state = Join(whenTrue, whenFalse);
                        return value;
                    }

                case IDeconstructionAssignmentOperation deconstruction:
                    return Deconstruct(deconstruction.Target, deconstruction.Value, ref state);
                case ITupleOperation tuple:
                    return Tuple(tuple, ref state);

                case IConversionOperation conversion:
                    {
                        var value = Eval(conversion.Operand, ref state);
                        var special = conversion.Type?.SpecialType ?? SpecialType.None;
                        if (special == SpecialType.System_Boolean || special == SpecialType.System_String)
                        {
                            return Origin.None;
                        }

                        if (_symbols.PointersArePhysical && ValueConversions.IsPointer(conversion.Operand.Type) && ValueConversions.IsAddressInteger(conversion.Type)
                            && !HasPhysical(value))
                        {
                            // Identity-mapped: the pointer made into a number is the physical address it points at.
                            value = value.Add(new PhysicalOrigin(conversion));
                        }

                        return value;
                    }

                case IBinaryOperation binary when binary.LeftOperand is IBinaryOperation:
                    return BinaryChain(binary, ref state);
                case IBinaryOperation binary:
                    return Binary(binary, Eval(binary.LeftOperand, ref state), ref state);
                case IUnaryOperation unary:
                    {
                        var value = Eval(unary.Operand, ref state);
                        return unary.OperatorKind == UnaryOperatorKind.Not ? Origin.None : value;
                    }

                case IPropertyReferenceOperation property:
                    return Member(property, property.Property, property.Instance, property.Arguments, ref state);
                case IFieldReferenceOperation field:
                    return Member(field, field.Field, field.Instance, ImmutableArray<IArgumentOperation>.Empty, ref state);
                case IArrayElementReferenceOperation element:
                    {
                        // An array's elements are one content: what any element was given (a weak update), read at any index.
                        var array = Eval(element.ArrayReference, ref state);
                        EvalAll(element.Indices, ref state);
                        return IsElementCarrier(element.ArrayReference.Type) ? array : Origin.None;
                    }

                case IArrayCreationOperation arrayCreation when arrayCreation.Initializer is { } initializer:
                    {
                        // new[] { a, b }: the elements' content, as stores into them would make it.
                        EvalAll(arrayCreation.DimensionSizes, ref state);
                        var elements = Elements(initializer, ref state);
                        return IsElementCarrier(arrayCreation.Type) ? elements : Origin.None;
                    }

                case IInvocationOperation invocation:
                    return InvocationOrSlot(invocation, ref state);
                case IObjectCreationOperation creation:
                    return Creation(creation, ref state);
                case ITranslatedQueryOperation _:
                case IAwaitOperation _:
                case IReturnOperation { Kind: OperationKind.YieldReturn }:
                case IDelegateCreationOperation _:
                    return Function(operation, ref state);
                case IDefaultValueOperation defaultValue when _symbols.IsBusAddressType(defaultValue.Type):
                    return Origin.None.Add(new ForgedOrigin(defaultValue, "'default'"));
                case IFlowAnonymousFunctionOperation _:
                case IAnonymousFunctionOperation _:
                    // Analysed as a body of its own; as a value, the function (a query clause's lambda has no delegate creation around it).
                    return FunctionOf(operation, ref state);
                case ILocalFunctionOperation _:
                    // Analysed as bodies of their own.
                    return Origin.None;
                case { Kind: OperationKind.None } pinned when IsFixedInitializer(pinned):
                    return PinnedPointer(pinned, ref state);
                default:
                    foreach (var child in operation.ChildOperations)
                    {
                        Eval(child, ref state);
                    }

                    return Origin.None;
            }
        }

        // The cases below are kept out of EvalCore: its stack frame is paid once per level of a deep expression.

        /// <summary>A call; for a parameterless <c>ref</c>-returning method of this instance (<c>Slot()</c>) that the body stored through, what it stored.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private ImmutableHashSet<Origin> InvocationOrSlot(IInvocationOperation invocation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var value = Invocation(invocation, ref state);
            return RefSlotOf(invocation) is { } slot && state.TryGetValue(slot, out var stored) ? stored : value;
        }

        /// <summary>The storage a call names when it is a parameterless <c>ref</c>-returning method of this instance or a static one: the method, as a location of the body.</summary>
        private static IMethodSymbol? RefSlotOf(IInvocationOperation call) =>
            call.TargetMethod.ReturnsByRef && call.Arguments.IsEmpty && (call.Instance is null || call.Instance is IInstanceReferenceOperation)
                ? call.TargetMethod.OriginalDefinition
                : null;

        [MethodImpl(MethodImplOptions.NoInlining)]
        /// <summary>
        /// <c>a + b + c + …</c>, left to right without recursion: the left spine is walked down, then each operation
        /// combines what its left gave with its right operand (<see cref="Binary"/>), as nested evaluation would.
        /// </summary>
        private ImmutableHashSet<Origin> BinaryChain(IBinaryOperation outermost, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var spine = new List<IBinaryOperation>();
            for (IOperation at = outermost; at is IBinaryOperation binary; at = binary.LeftOperand)
            {
                spine.Add(binary);
            }

            var value = Eval(spine[spine.Count - 1].LeftOperand, ref state);
            for (var i = spine.Count - 1; i >= 0; i--)
            {
                value = Binary(spine[i], value, ref state);
                if (i > 0)
                {
                    // What Eval adds to a value of its own operation (the outermost gets it from its caller's Eval).
                    value = Finish(spine[i], value);
                }
            }

            return value;
        }

        /// <summary>A binary operation whose left operand gave <paramref name="left"/>: its right operand evaluated, the two combined.</summary>
        private ImmutableHashSet<Origin> Binary(IBinaryOperation binary, ImmutableHashSet<Origin> left, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var right = Eval(binary.RightOperand, ref state);
            if (!CarriesAddress(binary))
            {
                return Origin.None;
            }

            // A constant offset neither forges nor clears an address: base + 16 is what base is.
            var leftConstant = binary.LeftOperand.ConstantValue.HasValue;
            var rightConstant = binary.RightOperand.ConstantValue.HasValue;
            // 0x400000 + 0x400 * port (+ 0x100 * slot): a hard-coded address, indexed; the index does not make it a real one.
            if (IsHardCodedBasePlusIndex(binary, left, binary.RightOperand))
            {
                return AsIndexed(binary, left);
            }

            if (IsHardCodedBasePlusIndex(binary, right, binary.LeftOperand))
            {
                return AsIndexed(binary, right);
            }

            return leftConstant == rightConstant ? left.Union(right) : (leftConstant ? right : left);
        }

        /// <summary>
        /// <c>fixed (byte* p = ring.Span)</c>: the pointer addresses what was pinned, so device memory stays device memory;
        /// the addresses the pinned array or span holds are its content, not the pointer's value.
        /// </summary>
        private ImmutableHashSet<Origin> PinnedPointer(IOperation pinned, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var origins = Eval(pinned.ChildOperations.First(), ref state);
            foreach (var origin in origins)
            {
                if (origin is PhysicalOrigin || origin is ForgedOrigin || origin is BusOrigin || origin is DeviceContentOrigin || origin is TranslatedOrigin)
                {
                    origins = origins.Remove(origin);
                }
            }

            return origins;
        }

        /// <summary>The pinned expression of a <c>fixed</c> statement's declarator, as the graph shows it: an operation of no kind around it.</summary>
        private static bool IsFixedInitializer(IOperation operation) =>
            operation.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.EqualsValueClauseSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Parent.Parent: Microsoft.CodeAnalysis.CSharp.Syntax.FixedStatementSyntax } }
            && operation.ChildOperations.Count == 1;

        private ImmutableHashSet<Origin> ReadLocal(ILocalSymbol local, ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var held = state.TryGetValue(local, out var value) ? value : Origin.None;
            if (IsCaptured(local))
            {
                held = held.Union(GivenInEnclosingFunction(local));
            }

            var written = WrittenByNestedFunctions(local);
            return written.IsEmpty ? held : held.Union(written);
        }

        // What a local of an enclosing function, read here by a lambda or local function, may hold, by local.
        private readonly Dictionary<ILocalSymbol, ImmutableHashSet<Origin>> _capturedReads = new Dictionary<ILocalSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);

        /// <summary>A local this function reads but does not declare: one of a function it is nested in, captured.</summary>
        private bool IsCaptured(ILocalSymbol local) =>
            _owner is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction }
            && !local.DeclaringSyntaxReferences.IsEmpty
            && !SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, _owner);

        /// <summary>
        /// What a captured local may hold when the lambda or local function reads it (<c>var pa = b.PhysicalAddress.Value;
        /// Action post = () => ring[0].Addr = pa;</c>): every value its function gives it, since the nested function may
        /// run after any of them (a may-read, flow-insensitive).
        /// </summary>
        private ImmutableHashSet<Origin> GivenInEnclosingFunction(ILocalSymbol local) => EvaluatedAside(_capturedReads, local, _summaries.ValuesGiven(local));

        [MethodImpl(MethodImplOptions.NoInlining)]
        private ImmutableHashSet<Origin> SimpleAssignment(ISimpleAssignmentOperation assignment, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var value = Eval(assignment.Value, ref state);
            if (assignment.IsRef && Keys.Unwrap(assignment.Target) is ILocalReferenceOperation refLocal)
            {
                // ref var r = ref a (as the graph lowers it): r now names a's storage.
                Alias(refLocal.Local, assignment.Value);
                state = state.SetItem(refLocal.Local, value);
                ReferTo(refLocal.Local, assignment.Value, ref state);
                return value;
            }

            Assign(assignment.Target, value, assignment.Value, ref state);
            return value;
        }

        /// <summary>
        /// A tuple literal: the union (what a deconstruction or a whole-tuple use sees), and each element
        /// by its default name (Item1…), for a read of that element.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private ImmutableHashSet<Origin> Tuple(ITupleOperation tuple, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var union = Origin.None;
            var elements = Origin.None;
            for (var i = 0; i < tuple.Elements.Length; i++)
            {
                var element = Eval(tuple.Elements[i], ref state);
                union = union.Union(element);
                if (!element.IsEmpty)
                {
                    elements = elements.Add(new ElementOrigin(tuple, "Item" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), element));
                }
            }

            return union.Union(elements);
        }

        /// <summary>Functions and what they give: a query, an <c>await</c>, a <c>yield return</c>, a delegate made of a lambda or method.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private ImmutableHashSet<Origin> Function(IOperation operation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            switch (operation)
            {
                case ITranslatedQueryOperation query:
                    // from … select v: the Select(…) call it stands for.
                    return Eval(query.Operation, ref state);
                case IAwaitOperation awaited:
                    // await MakeAsync(): what the async method returns.
                    return Eval(awaited.Operation, ref state);
                case IReturnOperation yielded:
                    {
                        // yield return v: an element of the sequence the iterator returns (its content).
                        var value = Eval(yielded.ReturnedValue, ref state);
                        if (_summarise)
                        {
                            Returns = Returns.Union(value);
                        }

                        return Origin.None;
                    }

                case IDelegateCreationOperation delegateCreation:
                    return FunctionOf(delegateCreation.Target, ref state);
                default:
                    return Origin.None;
            }
        }

        /// <summary>
        /// <c>C + i * stride</c> (or <c>|</c>, or a shift): an address-sized constant of a page or more
        /// (a forged constant, or a sum already made of one) plus an offset scaled from an index — the
        /// hard-coded base of a table of hardware structures. An offset of any other shape (a variable, a
        /// parameter) may be the real address the constant offsets, and is followed as before.
        /// </summary>
        private static bool IsHardCodedBasePlusIndex(IBinaryOperation binary, ImmutableHashSet<Origin> constantSide, IOperation other)
        {
            if (binary.OperatorKind != BinaryOperatorKind.Add && binary.OperatorKind != BinaryOperatorKind.Or)
            {
                return false;
            }

            var forged = false;
            foreach (var origin in constantSide)
            {
                forged |= origin is ForgedOrigin { IsConstant: true };
            }

            return forged && IsScaledIndex(WithoutCasts(other), 0);

            static bool IsScaledIndex(IOperation operation, int depth) => depth < 8 && operation is IBinaryOperation scaled && scaled.OperatorKind switch
            {
                BinaryOperatorKind.Multiply or BinaryOperatorKind.LeftShift =>
                    scaled.LeftOperand.ConstantValue.HasValue != scaled.RightOperand.ConstantValue.HasValue,
                BinaryOperatorKind.Add => IsScaledIndex(WithoutCasts(scaled.LeftOperand), depth + 1) && IsScaledIndex(WithoutCasts(scaled.RightOperand), depth + 1),
                _ => false,
            };
        }

        /// <summary>
        /// A sum (not an or: <c>0x80000000 | bus &lt;&lt; 16 | …</c> is a PCI configuration address, a command word)
        /// of a hard-coded base and an index-scaled offset: its constant forgeries, marked indexed.
        /// </summary>
        private static ImmutableHashSet<Origin> AsIndexed(IBinaryOperation binary, ImmutableHashSet<Origin> constantSide)
        {
            if (binary.OperatorKind != BinaryOperatorKind.Add)
            {
                return constantSide;
            }

            var result = constantSide;
            foreach (var origin in constantSide)
            {
                if (origin is ForgedOrigin { IsConstant: true, IsIndexed: false } forged)
                {
                    result = result.Remove(forged).Add(forged.Indexed());
                }
            }

            return result;
        }

        /// <summary>Arithmetic that keeps an address an address; comparisons, remainders and masks do not.</summary>
        private static bool CarriesAddress(IBinaryOperation binary)
        {
            switch (binary.OperatorKind)
            {
                case BinaryOperatorKind.Add:
                case BinaryOperatorKind.Subtract:
                case BinaryOperatorKind.Multiply:
                case BinaryOperatorKind.Divide:
                case BinaryOperatorKind.Or:
                case BinaryOperatorKind.ExclusiveOr:
                case BinaryOperatorKind.LeftShift:
                case BinaryOperatorKind.RightShift:
                case BinaryOperatorKind.UnsignedRightShift:
                    return true;
                case BinaryOperatorKind.And:
                    // Masking with a small constant yields an offset inside a page, not an address.
                    return !(IsSmallConstant(binary.LeftOperand) || IsSmallConstant(binary.RightOperand));
                default:
                    return false;
            }
        }

        private static bool IsSmallConstant(IOperation operation)
        {
            var constant = operation.ConstantValue;
            if (!constant.HasValue || constant.Value is null)
            {
                return false;
            }

            try
            {
                var value = Convert.ToDecimal(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                return value >= 0 && value <= 0xFFFF;
            }
            catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                return false;
            }
        }

        private ImmutableHashSet<Origin> Member(IOperation operation, ISymbol member, IOperation? instance, ImmutableArray<IArgumentOperation> arguments, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var instanceValue = Eval(instance, ref state);
            foreach (var argument in arguments)
            {
                Eval(argument.Value, ref state);
            }

            if (!instanceValue.IsEmpty && instance is not null)
            {
                if (ElementRead(member, instanceValue) is { } element)
                {
                    // t.A of a tuple made here, r.A of a record made here: what that member was given.
                    return element;
                }

                if (IsNullableValue(member) || ContainerRead(member, instance.Type))
                {
                    // a.Value of a T?, list[i], dictionary[k], enumerator.Current: what the value holds.
                    return instanceValue;
                }
            }

            var roles = _symbols.RolesOf(member);
            if ((roles & DmaRole.PhysicalSource) != 0)
            {
                var physical = Origin.None.Add(new PhysicalOrigin(operation));
                return _summarise && instance is IInstanceReferenceOperation ? physical.Add(ReceiverMemoryOrigin.Instance) : physical;
            }

            if ((roles & DmaRole.DeviceMemory) != 0)
            {
                return Origin.None.Add(new DeviceMemoryOrigin(operation.Syntax, Keys.Describe(operation)));
            }

            var memberType = member is IPropertySymbol p ? p.Type : (member as IFieldSymbol)?.Type;
            if (DmaSymbols.IsBusSinkMember(member, roles) && memberType is not null && _symbols.IsAddressLike(memberType) && !_symbols.IsBusAddressType(memberType))
            {
                // desc.Addr read back: the device reads this slot, and a write-back descriptor rewrites it; what it holds
                // now is the device's, whatever the driver stored (a bus address rebuilt from it is forged: DMA008).
                return Origin.None.Add(new DeviceContentOrigin(operation));
            }

            if (memberType is not null && DeviceWrites.IsMemoryHandle(memberType) && !instanceValue.IsEmpty && !(member is IFieldSymbol))
            {
                // ring.Span, a pointer property of a device-memory object: memory inside what the instance addresses.
                return AddressPart(instanceValue);
            }
            var containing = member.ContainingType;
            if ((_symbols.IsPhysicalType(containing) || (_symbols.IsBusAddressType(containing) && !member.IsStatic)) && memberType is not null && _symbols.IsAddressLike(memberType))
            {
                // PhysAddr.Value, DmaAddr.Value: the number carries its provenance. A static member of the bus-address type
                // (IoAddr.None) is no view of an instance's number: it is read below as what it holds (a field's content,
                // forged where every store forges it). A static member of a physical type (Ptr.Zero) stays what it was: not
                // followed (every value of that type would otherwise be a physical address, a null one included).
                return instanceValue;
            }

            if (memberType is not null && _symbols.IsBusAddressType(memberType) && !IsSameCompilation(containing))
            {
                return Origin.None.Add(BusOrigin.Instance);
            }

            if (instance is not null && _summaries.MadeMember(operation, member, instance) is { } made)
            {
                // x.Data.Base, where Data only ever holds blocks made by new Block(…): what those news gave Base.
                return made;
            }

            if (CarrierField(member) is { } carrier)
            {
                return Origin.None.Add(new FieldOrigin(carrier));
            }

            if (member is IFieldSymbol { IsReadOnly: true, Type.TypeKind: TypeKind.Delegate } delegateField && IsSameCompilation(delegateField))
            {
                // A readonly delegate field initialised with a lambda or method (_make = (d, b) => …): that function.
                return _summaries.InitialFunctionOf(delegateField);
            }

            if (member is IPropertySymbol { GetMethod: { } getter } && HasBody(getter) && memberType is not null
                && (_symbols.IsAddressLike(memberType) || DeviceWrites.IsMemoryHandle(memberType)))
            {
                // A getter with a body is a call: what it returns (a field it reads back, say).
                var values = new ImmutableHashSet<Origin>[getter.Parameters.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Origin.None;
                }

                return Origin.None.Add(new CallOrigin(getter, operation, -1, ImmutableArray.Create(values)));
            }

            return Origin.None;
        }

        /// <summary>A delegate's target: the lambda, local function or method of the compilation a call of the delegate runs.</summary>
        private ImmutableHashSet<Origin> FunctionOf(IOperation target, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            switch (target)
            {
                case IAnonymousFunctionOperation lambda:
                    return Origin.None.Add(new FunctionOrigin(lambda.Symbol));
                case IFlowAnonymousFunctionOperation flowLambda:
                    return Origin.None.Add(new FunctionOrigin(flowLambda.Symbol));
                case IMethodReferenceOperation reference:
                    Eval(reference.Instance, ref state);
                    return IsSameCompilation(reference.Method) ? Origin.None.Add(new FunctionOrigin(reference.Method)) : Origin.None;
                default:
                    Eval(target, ref state);
                    return Origin.None;
            }
        }

        /// <summary>A call of each function the delegate may be (<c>make()</c>, <c>_make(device, buf)</c>): what it returns.</summary>
        private static ImmutableHashSet<Origin> CallsOf(ImmutableHashSet<Origin> functions, IOperation site, ImmutableArray<ImmutableHashSet<Origin>> arguments, ITypeSymbol? returned)
        {
            var result = Origin.None;
            foreach (var origin in functions)
            {
                if (origin is FunctionOrigin function && !function.Function.ReturnsVoid
                    && (returned is null || SymbolEqualityComparer.Default.Equals(function.Function.ReturnType, returned)))
                {
                    var given = arguments;
                    if (given.Length != function.Function.Parameters.Length)
                    {
                        // A framework method calls it (Select(x => …)): its arguments are not known.
                        var unknown = new ImmutableHashSet<Origin>[function.Function.Parameters.Length];
                        for (var i = 0; i < unknown.Length; i++)
                        {
                            unknown[i] = Origin.None;
                        }

                        given = ImmutableArray.Create(unknown);
                    }

                    result = result.Add(new CallOrigin(function.Function, site, -1, given));
                }
            }

            return result;
        }

        /// <summary>What a member read gives of a value that carries its members' values (<see cref="ElementOrigin"/>); null when the value carries none for it.</summary>
        private static ImmutableHashSet<Origin>? ElementRead(ISymbol member, ImmutableHashSet<Origin> instanceValue)
        {
            var name = member is IFieldSymbol { CorrespondingTupleField: { } tupleField } ? tupleField.Name : member.Name;
            ImmutableHashSet<Origin>? found = null;
            foreach (var origin in instanceValue)
            {
                if (origin is ElementOrigin element && element.Member == name)
                {
                    found = found is null ? element.Value : found.Union(element.Value);
                }
            }

            return found;
        }

        /// <summary><c>Nullable&lt;T&gt;.Value</c>: the value it holds.</summary>
        private static bool IsNullableValue(ISymbol member) =>
            member is IPropertySymbol { Name: "Value" } && member.ContainingType?.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

        /// <summary>Is the member of a framework collection one that gives back an element (an indexer, <c>Current</c>) or the same elements (<c>Values</c>)?</summary>
        private bool ContainerRead(ISymbol member, ITypeSymbol? containerType)
        {
            if (!(member is IPropertySymbol property) || !(_symbols.Containers.ElementOf(containerType) is { } element) || !IsCarried(element))
            {
                return false;
            }

            return GivesElement(property.OriginalDefinition.Type, property.Type, element);
        }

        /// <summary>A type parameter that is the element (list[i], Dequeue()), or a collection of the same elements (GetEnumerator(), Values, Where(…)).</summary>
        private bool GivesElement(ITypeSymbol declared, ITypeSymbol type, ITypeSymbol element) =>
            (declared is ITypeParameterSymbol && SymbolEqualityComparer.Default.Equals(type, element))
            || (_symbols.Containers.ElementOf(type) is { } inner && SymbolEqualityComparer.Default.Equals(inner, element));

        /// <summary>Is an element of this type a value the flow follows (an address-like number, a pointer, a span)?</summary>
        private bool IsCarried(ITypeSymbol element) => _symbols.IsAddressLike(element) || DeviceWrites.IsMemoryHandle(element);

        /// <summary>
        /// A call on a framework collection (or a LINQ operator over one): arguments given as the
        /// element to a method that returns nothing (<c>Add</c>, <c>Enqueue</c>, <c>Push</c>,
        /// <c>Insert</c>) or to a <c>TryAdd</c> are stored into it; an element returned or written to
        /// an <c>out</c> argument (<c>Dequeue()</c>, <c>First()</c>, <c>TryGetValue(k, out v)</c>) is
        /// what it holds. Null when the call is not one of those.
        /// </summary>
        private ImmutableHashSet<Origin>? ContainerCall(IInvocationOperation invocation, ImmutableHashSet<Origin> instanceValue, ImmutableArray<ImmutableHashSet<Origin>> arguments,
            ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var method = invocation.TargetMethod;
            IOperation? container = invocation.Instance;
            var content = instanceValue;
            var first = 0;
            if (container is null && method.IsExtensionMethod && method.Parameters.Length > 0 && ArgumentFor(invocation.Arguments, 0) is { } receiver)
            {
                container = receiver.Value;
                content = arguments[0];
                first = 1;
            }

            if (container is null || !(Keys.Unwrap(container).Type is INamedTypeSymbol containerType) || !(_symbols.Containers.ElementOf(containerType) is { } element) || !IsCarried(element))
            {
                return null;
            }

            var elementParameter = Containers.ElementParameterOf(containerType);
            if (first == 0 && Containers.Stores(method))
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter is { RefKind: RefKind.None or RefKind.In } parameter && parameter.Ordinal < arguments.Length
                        && SymbolEqualityComparer.Default.Equals(parameter.OriginalDefinition.Type, elementParameter))
                    {
                        StoreToContent(container, argument.Value, arguments[parameter.Ordinal], ref state);
                    }
                }

                return Origin.None;
            }

            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is { RefKind: RefKind.Out } parameter && parameter.OriginalDefinition.Type is ITypeParameterSymbol
                    && SymbolEqualityComparer.Default.Equals(parameter.Type, element) && Keys.Of(argument.Value) is { } key)
                {
                    state = state.SetItem(key, content);
                }
            }

            return GivesElement(method.OriginalDefinition.ReturnType, method.ReturnType, element) ? content : null;
        }

        /// <summary>A value stored into a collection (<c>list.Add(v)</c>, <c>map[k] = v</c>): the collection's one location holds it too.</summary>
        private void StoreToContent(IOperation container, IOperation valueOperation, ImmutableHashSet<Origin> value, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            if (value.IsEmpty)
            {
                return;
            }

            switch (Keys.Unwrap(container))
            {
                case IFieldReferenceOperation field:
                    StoreToCarrier(field.Field, valueOperation, value);
                    return;
                case IPropertyReferenceOperation property when !property.Property.IsIndexer:
                    StoreToCarrier(property.Property, valueOperation, value);
                    return;
                case var other when Keys.Of(other) is { } key:
                    state = state.SetItem(key, state.TryGetValue(key, out var held) ? held.Union(value) : value);
                    return;
            }
        }

        /// <summary>
        /// The field that carries what is stored into <paramref name="member"/>: a non-constant field of
        /// the compilation, or an auto-property's backing field, of an address-like or pointer-like type
        /// (what a value of any instance holds: the content model, not per instance).
        /// </summary>
        private IFieldSymbol? CarrierField(ISymbol member)
        {
            IFieldSymbol? field = member switch
            {
                IFieldSymbol f when !f.IsConst => f,
                IPropertySymbol p when !p.IsIndexer => _summaries.BackingFieldOf(p),
                _ => null,
            };
            // The member as used here: a generic holder's U field is a carrier where U is an address (Box<ulong>.Value).
            var type = member is IFieldSymbol used ? used.Type : ((IPropertySymbol)member).Type;
            if (field is null || !IsSameCompilation(field.ContainingType)
                || !(_symbols.IsAddressLike(type) || DeviceWrites.IsMemoryHandle(type) || IsElementCarrier(type)))
            {
                return null;
            }

            return (IFieldSymbol)field.OriginalDefinition;
        }

        /// <summary>Is there a property the record declares from this primary-constructor parameter (same name, declared in the parameter list)?</summary>
        private static bool IsPositionalProperty(INamedTypeSymbol record, IParameterSymbol parameter)
        {
            foreach (var member in record.GetMembers(parameter.Name))
            {
                if (member is IPropertySymbol property && !property.DeclaringSyntaxReferences.IsEmpty
                    && property.DeclaringSyntaxReferences[0].GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.ParameterSyntax)
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsSameCompilation(ISymbol? symbol) =>
            symbol is not null && SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _symbols.Compilation.Assembly);

        private ImmutableHashSet<Origin> Invocation(IInvocationOperation invocation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var method = invocation.TargetMethod;
            var instanceValue = Eval(invocation.Instance, ref state);
            var arguments = Arguments(method, invocation.Arguments, ref state, ReceiverField(invocation.Instance));
            if (method.ContainingType?.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T && method.Name == "GetValueOrDefault")
            {
                // a ?? b on a T? as the graph lowers it, or written out: what the nullable holds.
                return arguments.Length > 0 ? instanceValue.Union(arguments[0]) : instanceValue;
            }

            if (ContainerCall(invocation, instanceValue, arguments, ref state) is { } content)
            {
                return content;
            }

            if (method.MethodKind == MethodKind.DelegateInvoke)
            {
                return CallsOf(instanceValue, invocation, arguments, null);
            }

            if (!HasBody(method) && _symbols.Containers.ElementOf(method.ReturnType) is { } produced && IsCarried(produced))
            {
                // Select(x => v), from … select v: a sequence of what the function given returns.
                var made = Origin.None;
                foreach (var argument in arguments)
                {
                    made = made.Union(CallsOf(argument, invocation, ImmutableArray<ImmutableHashSet<Origin>>.Empty, produced));
                }

                if (!made.IsEmpty)
                {
                    return made;
                }
            }

            switch (ValueConversions.Of(method, _symbols))
            {
                case ValueConversion.Instance:
                    return instanceValue;
                case ValueConversion.FirstArgument:
                    return arguments.Length > 0 ? arguments[0] : Origin.None;
                case ValueConversion.PinnedAddress:
                    return Origin.None.Add(new PhysicalOrigin(invocation));
            }

            ReceiveAddresses(invocation, ref state);
            var roles = _symbols.RolesOf(method);
            if ((roles & (DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice)) != 0)
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter is not null && _symbols.IsBusAddressType(argument.Parameter.Type))
                    {
                        CheckForged(argument.Value, arguments[argument.Parameter.Ordinal], $"'{method.Name}'", constants: true);
                        break;
                    }
                }
            }

            if (DeviceWrites.IsStore(method, out var destination, out var stored) && destination < arguments.Length && stored < arguments.Length)
            {
                // Unsafe.Write(p, v), Volatile.Write(ref desc->addr, v): a store through the destination.
                var destinationArgument = ArgumentFor(invocation.Arguments, destination);
                var location = destinationArgument is not null && method.Parameters[destination].RefKind != RefKind.None ? Keys.Unwrap(destinationArgument.Value) : null;
                if (location is not null && !IsThroughMemory(location) && ArgumentFor(invocation.Arguments, stored) is { } assignedArgument)
                {
                    // Volatile.Write(ref _head, v), Interlocked.Exchange(ref q, v): the variable or field itself is assigned
                    // (CompareExchange may leave what it held).
                    Assign(location, DeviceWrites.MayKeep(method) ? arguments[destination].Union(arguments[stored]) : arguments[stored], assignedArgument.Value, ref state);
                }
                else if (ArgumentFor(invocation.Arguments, stored) is { } storedArgument)
                {
                    var memory = location is not null ? MemoryOf(location, ref state) : arguments[destination];
                    StoreToMemory(memory, storedArgument.Value, arguments[stored]);
                    if (destinationArgument is not null && method.Parameters[destination].RefKind != RefKind.None
                        && Keys.Unwrap(destinationArgument.Value) is IMemberReferenceOperation member)
                    {
                        // Volatile.Write(ref ring[i].Addr, v): a store into the member the reference is to.
                        StoreToMember(member.Member, storedArgument.Value, arguments[stored]);
                    }
                }
            }

            if (DeviceWrites.IsCopy(method, invocation.Instance is not null, out var copiedTo) && copiedTo < arguments.Length)
            {
                // source.CopyTo(ring.Span), bytes.AsSpan().TryCopyTo(dest): the source's content stored through the destination.
                var (source, copied) = invocation.Instance is { } receiver ? (receiver, instanceValue) : (invocation.Arguments[0].Value, arguments[0]);
                StoreToMemory(arguments[copiedTo], source, copied);
            }

            if ((roles & DmaRole.PhysicalSource) != 0)
            {
                return Origin.None.Add(new PhysicalOrigin(invocation));
            }

            if ((roles & DmaRole.DeviceMemory) != 0)
            {
                return Origin.None.Add(new DeviceMemoryOrigin(invocation.Syntax, Keys.Describe(invocation)));
            }

            if (DeviceReads.IsLoad(method, out var loadedFrom) && ArgumentFor(invocation.Arguments, loadedFrom) is { } sourceArgument)
            {
                if (method.Parameters[loadedFrom].RefKind != RefKind.None && !IsThroughMemory(Keys.Unwrap(sourceArgument.Value)))
                {
                    // Volatile.Read(ref _head), Interlocked.Exchange(ref q, v): what the variable or field held.
                    return arguments[loadedFrom];
                }

                // BinaryPrimitives.ReadUInt64LittleEndian(cq.Span[off..]), Volatile.Read(ref entry->Addr): what the device wrote.
                var memory = method.Parameters[loadedFrom].RefKind != RefKind.None ? MemoryOf(sourceArgument.Value, ref state) : arguments[loadedFrom];
                if (HasDeviceMemory(_summarise ? memory : _summaries.Resolve(memory)))
                {
                    return Origin.None.Add(new DeviceContentOrigin(invocation));
                }

                if (_summarise && MayBecomeDeviceMemory(memory))
                {
                    // CqEntry.Address(span, head) => ReadUInt64LittleEndian(span.Slice(…)): the device's when the caller's span is device memory.
                    return Origin.None.Add(new LoadedOrigin(invocation, memory));
                }
            }

            if (DeviceWrites.IsMemoryHandle(method.ReturnType) && !HasBody(method))
            {
                // span.Slice(8), MemoryMarshal.Cast<byte, Desc>(span), Unsafe.Add(p, 1): memory inside what they address.
                var carried = AddressPart(instanceValue);
                foreach (var argument in arguments)
                {
                    carried = carried.Union(AddressPart(argument));
                }

                if (!carried.IsEmpty)
                {
                    return carried;
                }
            }

            if ((roles & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0)
            {
                return Origin.None.Add(BusOrigin.Instance);
            }

            if (roles == DmaRole.None && !HasBody(method) && Translated(invocation, method, arguments) is { } translated)
            {
                return translated;
            }

            if (HasBody(method))
            {
                foreach (var argument in invocation.Arguments)
                {
                    // What the body writes there, unless the configuration already said (ReceiveAddresses).
                    if (argument.Parameter is not null && (argument.Parameter.RefKind == RefKind.Out || argument.Parameter.RefKind == RefKind.Ref)
                        && _symbols.ReceivedRolesOf(argument.Parameter) == DmaRole.None)
                    {
                        var key = Keys.Of(argument.Value);
                        if (key is not null)
                        {
                            var written = Origin.None.Add(new CallOrigin(method, invocation, argument.Parameter.Ordinal, arguments));
                            state = state.SetItem(key, argument.Parameter.RefKind == RefKind.Ref && state.TryGetValue(key, out var old) ? old.Union(written) : written);
                        }
                    }
                }

                if (!method.ReturnsVoid)
                {
                    return Origin.None.Add(new CallOrigin(method, invocation, -1, arguments));
                }
            }
            else if ((method.IsAbstract || method.IsVirtual) && CarriesAddresses(method.ReturnType) && DispatchedCalls(method, invocation, arguments) is { IsEmpty: false } dispatched)
            {
                // An interface or abstract method: what the compilation's implementations return.
                return dispatched;
            }
            else if (_symbols.IsBusAddressType(method.ReturnType))
            {
                return Origin.None.Add(BusOrigin.Instance);
            }

            return Origin.None;
        }

        /// <summary>Can a value of this type carry what the flow follows (an address, a pointer or span, a collection of them)?</summary>
        private bool CarriesAddresses(ITypeSymbol type) => IsCarried(type) || IsElementCarrier(type);

        /// <summary>
        /// <c>GetPhysicalAddress(va, out pa)</c>: an out or ref parameter configured <c>physical-source(pa)</c> or
        /// <c>device-memory(regs)</c> (or marked so) gives its argument that address, whatever the method's body does
        /// (the configuration wins, as for a return).
        /// </summary>
        private void ReceiveAddresses(IInvocationOperation invocation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is not { RefKind: RefKind.Out or RefKind.Ref } parameter)
                {
                    continue;
                }

                var roles = _symbols.ReceivedRolesOf(parameter);
                if (roles == DmaRole.None || Keys.Of(argument.Value) is not { } key)
                {
                    continue;
                }

                var value = Origin.None;
                if ((roles & DmaRole.PhysicalSource) != 0)
                {
                    value = value.Add(new PhysicalOrigin(invocation));
                }

                if ((roles & DmaRole.DeviceMemory) != 0)
                {
                    value = value.Add(new DeviceMemoryOrigin(invocation.Syntax, Keys.Describe(invocation)));
                }

                state = state.SetItem(key, value);
            }
        }

        /// <summary>
        /// A call with no body to follow that returns an address computed from address arguments
        /// (<c>Memory.PhysToVirt(bar)</c>, <c>MapMMIO(bar, size)</c>): it addresses the device memory its
        /// arguments address, if any (resolved later: a field's content, a helper's return). Null when no
        /// argument may carry device memory.
        /// </summary>
        private ImmutableHashSet<Origin>? Translated(IInvocationOperation invocation, IMethodSymbol method, ImmutableArray<ImmutableHashSet<Origin>> arguments)
        {
            if (!(_symbols.IsAddressLike(method.ReturnType) || DeviceWrites.IsMemoryHandle(method.ReturnType))
                || _symbols.IsPhysicalType(method.ReturnType) || _symbols.IsBusAddressType(method.ReturnType))
            {
                return null;
            }

            var carried = Origin.None;
            for (var i = 0; i < arguments.Length && i < method.Parameters.Length; i++)
            {
                var type = method.Parameters[i].Type;
                if (_symbols.IsAddressLike(type) || DeviceWrites.IsMemoryHandle(type))
                {
                    carried = carried.Union(AddressPart(arguments[i]));
                }
            }

            return carried.IsEmpty ? null : Origin.None.Add(new TranslatedOrigin(invocation.Syntax, carried));
        }

        /// <summary>
        /// A value given to a <c>receiver-sink</c> parameter of another project's block type, on a block kept in
        /// <paramref name="receiver"/>: a store into the block's memory, a sink when the block is one the device reads.
        /// </summary>
        private void IntoBlock(IMethodSymbol method, IParameterSymbol parameter, IOperation valueOperation, ImmutableHashSet<Origin> value, IFieldSymbol receiver)
        {
            if (!_reporting)
            {
                return;
            }

            var store = $"'{method.ContainingType?.Name}.{method.Name}({parameter.Name})'";
            if (_summarise)
            {
                SinkHits.Add(new SinkHit(value, valueOperation, store, null, 0, Origin.None.Add(new BlockMemoryOrigin(receiver))));
                return;
            }

            if (_report is not null && _summaries.IsDeviceVisibleBlock(receiver))
            {
                CheckPhysical(valueOperation, value, $"{store}, a store into the block '{receiver.Name}' whose address the device is given");
            }
        }

        /// <summary>
        /// The field (or auto-property's backing field) of the compilation an instance call's receiver is
        /// read from, when it holds an object rather than an address (<c>_ring</c> in <c>_ring.Write32(…)</c>),
        /// or a value of a physical type that is its own address (<c>_ring.Store64(…)</c> on a pointer struct).
        /// </summary>
        private IFieldSymbol? ReceiverField(IOperation? instance)
        {
            IFieldSymbol? field = (instance is null ? null : Keys.Unwrap(instance)) switch
            {
                IFieldReferenceOperation reference => reference.Field,
                IPropertyReferenceOperation { Property.IsIndexer: false } reference => _summaries.BackingFieldOf(reference.Property),
                _ => null,
            };
            // A value of a physical type (a pointer struct whose own value is its address, MOSA's Pointer) is a block too:
            // its stores go where the value points.
            return field is not null && !field.IsConst && IsSameCompilation(field.ContainingType) && (field.Type.IsReferenceType || _symbols.IsPhysicalType(field.Type))
                ? (IFieldSymbol)field.OriginalDefinition
                : null;
        }

        private ImmutableHashSet<Origin> DispatchedCalls(IMethodSymbol method, IOperation site, ImmutableArray<ImmutableHashSet<Origin>> arguments)
        {
            var result = Origin.None;
            foreach (var target in _summaries.Dispatch.TargetsOf(method))
            {
                if (HasBody(target) && target.Parameters.Length == arguments.Length)
                {
                    result = result.Add(new CallOrigin(target, site, -1, arguments));
                }
            }

            return result;
        }

        private bool HasBody(IMethodSymbol method) =>
            !method.IsAbstract && !method.IsExtern && method.MethodKind != MethodKind.AnonymousFunction
            && !method.DeclaringSyntaxReferences.IsEmpty && IsSameCompilation(method);

        /// <summary>Evaluates arguments (reporting those that reach bus-address parameters) and returns their values by parameter ordinal.</summary>
        private ImmutableArray<ImmutableHashSet<Origin>> Arguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state,
            IFieldSymbol? receiver = null)
        {
            var values = new ImmutableHashSet<Origin>[method.Parameters.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Origin.None;
            }

            List<(int, IOperation)>? through = null;
            foreach (var argument in arguments)
            {
                var value = Eval(argument.Value, ref state);
                var parameter = argument.Parameter;
                if (parameter is null || parameter.Ordinal >= values.Length)
                {
                    continue;
                }

                values[parameter.Ordinal] = values[parameter.Ordinal].Union(value);
                if (parameter.RefKind != RefKind.Out && _symbols.IsBusSinkParameter(parameter))
                {
                    var sink = $"the device-visible parameter '{parameter.Name}' of '{method.ContainingType?.Name}.{method.Name}'";
                    RecordSink(argument.Value, value, $"'{method.ContainingType?.Name}.{method.Name}({parameter.Name})'");
                    if (!CheckPhysical(argument.Value, value, sink))
                    {
                        CheckForged(argument.Value, value, sink, constants: _symbols.IsAttributedBusSinkParameter(parameter));
                    }
                }
                else if (receiver is not null && !value.IsEmpty && !HasBody(method) && _symbols.IsReceiverSinkParameter(parameter))
                {
                    IntoBlock(method, parameter, argument.Value, value, receiver);
                }
                else if ((parameter.RefKind == RefKind.None || parameter.RefKind == RefKind.In) && !value.IsEmpty)
                {
                    (through ??= new List<(int, IOperation)>()).Add((parameter.Ordinal, argument.Value));
                }
            }

            var all = ImmutableArray.Create(values);
            if (through is not null)
            {
                // After every argument: a wrapper's stores are sinks when the caller gives it device memory.
                foreach (var (ordinal, operation) in through)
                {
                    Through(method, ordinal, operation, all[ordinal], all, receiver);
                }
            }

            return all;
        }

        private ImmutableHashSet<Origin> Creation(IObjectCreationOperation creation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var made = Constructed(creation, ref state, out var initialized);
            return initialized.IsEmpty ? made : made.Union(initialized);
        }

        // The struct an object initializer is filling in the tree walk (the graph gives it a flow capture instead).
        private IObjectCreationOperation? _initializing;

        /// <summary>
        /// Evaluates an object initializer. For a struct (<c>new Desc { Addr = phys, Len = n }</c>) the
        /// members it sets are the value's members (<see cref="ElementOrigin"/>), as the graph's lowering
        /// (a flow capture whose members are assigned) gives them.
        /// </summary>
        private ImmutableHashSet<Origin> Initialize(IObjectCreationOperation creation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            if (!(creation.Initializer is { } initializer) || creation.Type is not { IsValueType: true })
            {
                Eval(creation.Initializer, ref state);
                return Origin.None;
            }

            var outer = _initializing;
            _initializing = creation;
            state = state.SetItem(creation, Origin.None);
            Eval(initializer, ref state);
            _initializing = outer;
            var members = state.TryGetValue(creation, out var held) ? held : Origin.None;
            state = state.Remove(creation);
            return members;
        }

        /// <summary>
        /// <c>d.Addr = v</c> on a struct held by a local (or by the value an initializer fills): the
        /// member of that value now holds <c>v</c> alone (a strong update, as for the local itself), so
        /// a store of the whole value (<c>ring[i] = d</c>, <c>MemoryMarshal.Write(span, in d)</c>) carries it.
        /// </summary>
        private void StoreToValueMember(IOperation? instance, ISymbol member, IOperation valueOperation, ImmutableHashSet<Origin> value,
            ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            if (instance is null || instance.Type is not { IsValueType: true } || instance.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                return;
            }

            object? key = instance switch
            {
                ILocalReferenceOperation { Local.IsRef: false } local => local.Local,
                IFlowCaptureReferenceOperation capture => capture.Id,
                IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver } => _initializing,
                _ => null,
            };
            if (key is null)
            {
                return;
            }

            var name = member is IFieldSymbol { CorrespondingTupleField: { } tupleField } ? tupleField.Name : member.Name;
            var held = state.TryGetValue(key, out var before) ? before : Origin.None;
            foreach (var origin in held)
            {
                if (origin is ElementOrigin element && element.Member == name)
                {
                    held = held.Remove(origin);
                }
            }

            state = state.SetItem(key, value.IsEmpty ? held : held.Add(new ElementOrigin(valueOperation, name, value)));
        }

        private ImmutableHashSet<Origin> Constructed(IObjectCreationOperation creation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state, out ImmutableHashSet<Origin> initialized)
        {
            var constructor = creation.Constructor;
            var arguments = constructor is null ? ImmutableArray<ImmutableHashSet<Origin>>.Empty : Arguments(constructor, creation.Arguments, ref state);
            if (constructor is null)
            {
                foreach (var argument in creation.Arguments)
                {
                    Eval(argument.Value, ref state);
                }
            }

            initialized = Initialize(creation, ref state);
            if (_summarise && _reporting && constructor is not null && HasBody(constructor) && !arguments.IsEmpty)
            {
                // What each constructor of the compilation is given here: a field it stores a parameter into holds it.
                Creations.Add((constructor, arguments, creation.Syntax));
            }

            if (creation.Type is INamedTypeSymbol { IsRecord: true } record && constructor is not null && !arguments.IsEmpty)
            {
                // new Slot(a, 64) of a positional record: each property holds its parameter's argument.
                var members = Origin.None;
                for (var i = 0; i < arguments.Length && i < constructor.Parameters.Length; i++)
                {
                    if (!arguments[i].IsEmpty && IsPositionalProperty(record, constructor.Parameters[i]))
                    {
                        members = members.Add(new ElementOrigin(creation, constructor.Parameters[i].Name, arguments[i]));
                    }
                }

                return members;
            }

            if (!_symbols.IsBusAddressType(creation.Type))
            {
                // new IntPtr(x), new UIntPtr(x): the same number; made from a pointer on an identity-mapped platform, a physical address.
                var special = creation.Type?.SpecialType ?? SpecialType.None;
                if ((special != SpecialType.System_IntPtr && special != SpecialType.System_UIntPtr) || arguments.Length != 1)
                {
                    return Origin.None;
                }

                return _symbols.PointersArePhysical && ValueConversions.IsPointer(Keys.Unwrap(creation.Arguments[0].Value).Type) && !HasPhysical(arguments[0])
                    ? arguments[0].Add(new PhysicalOrigin(creation))
                    : arguments[0];
            }

            // A DmaAddr construction is itself a device-visible sink (DMA001) and, unless built from an
            // existing bus address (an offset into a mapping), a forgery (DMA008 where it is used).
            if (creation.Arguments.IsEmpty)
            {
                return Origin.None.Add(new ForgedOrigin(creation, "'default'"));
            }

            var forged = false;
            var fromPhysical = false;
            var bus = false;
            string source = "an integer constant";
            foreach (var argument in creation.Arguments)
            {
                var value = argument.Parameter is not null && argument.Parameter.Ordinal < arguments.Length ? arguments[argument.Parameter.Ordinal] : Origin.None;
                if ((_summarise ? EarliestPhysical(value) : _summaries.FindPhysical(value)) is { } physical)
                {
                    // One defect, one id: a bus address forged from a physical address is DMA008 where it is used.
                    forged = true;
                    fromPhysical = true;
                    source = $"a physical address ({Keys.Describe(physical.Operation)}, line {Keys.Line(physical.Operation)})";
                    continue;
                }

                var resolved = _summarise ? value : _summaries.Resolve(value);
                if (resolved.Contains(BusOrigin.Instance))
                {
                    bus = true;
                }
                else if (argument.Value.ConstantValue.HasValue)
                {
                    forged = true;
                }
                else if (EarliestConstant(resolved) is { } constant)
                {
                    // ulong raw = 0x9000_0000; … new DmaAddr(raw): a constant kept in a variable or field on the way is still one.
                    forged = true;
                    source = $"{constant.Source} (line {Keys.Line(constant.Creation)})";
                }
                else if (EarliestDeviceContent(resolved) is { } content)
                {
                    forged = true;
                    source = $"a value read back from device-visible memory ({Keys.Describe(content.Operation)}, line {Keys.Line(content.Operation)})";
                }
            }

            if (bus)
            {
                return Origin.None.Add(BusOrigin.Instance);
            }

            return forged ? Origin.None.Add(new ForgedOrigin(creation, source, fromPhysical: fromPhysical)) : Origin.None;
        }

        /// <summary>
        /// The memory a target the graph captured before the value (<c>ring[i] = new Desc { … }</c>: the target, then the
        /// initializer, then the store) addresses: its operands read again on a copy of the state, which the store leaves as
        /// the capture already made it.
        /// </summary>
        private ImmutableHashSet<Origin> MemoryAside(IOperation target, ImmutableDictionary<object, ImmutableHashSet<Origin>> state) =>
            MemoryOf(target, ref state);

        private void Assign(IOperation target, ImmutableHashSet<Origin> value, IOperation valueOperation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var instanceEvaluated = false;
            if (target is IFlowCaptureReferenceOperation captureReference && _captured.TryGetValue(captureReference.Id, out var capturedTarget))
            {
                target = capturedTarget;
                instanceEvaluated = true;
            }

            switch (target)
            {
                case ILocalReferenceOperation local:
                    state = state.SetItem(local.Local, value);
                    if (local.Local.IsRef && state.TryGetValue(new ReferenceKey(local.Local), out var referred))
                    {
                        // d = v through ref var d = ref MemoryMarshal.AsRef<Desc>(ring.Span): a store into that memory.
                        StoreToMemory(referred, valueOperation, value);
                    }

                    if (local.Local.IsRef && _aliases.TryGetValue(local.Local, out var aliased))
                    {
                        // r = v through ref var r = ref a: a now holds v when r is bound once and never re-bound (its
                        // declaration is its only binding); otherwise r may have been re-bound, and a may hold v.
                        state = state.SetItem(aliased, !IsEverRebound(local.Local) ? value : state.TryGetValue(aliased, out var before) ? before.Union(value) : value);
                    }

                    return;
                case IParameterReferenceOperation parameter:
                    state = state.SetItem(parameter.Parameter, value);
                    return;
                case IFieldReferenceOperation field:
                    if (field.Instance is { } instance && IsThroughMemory(instance))
                    {
                        // desc->addr = v, ring[i].Addr = v: a store into the memory the instance is in.
                        StoreToMemory(instanceEvaluated ? MemoryAside(instance, state) : MemoryOf(instance, ref state), valueOperation, value);
                    }
                    else if (!instanceEvaluated)
                    {
                        Eval(field.Instance, ref state);
                    }

                    StoreToMember(field.Field, valueOperation, value);
                    StoreToCarrier(field.Field, valueOperation, value);
                    StoreToValueMember(field.Instance, field.Field, valueOperation, value, ref state);
                    return;
                case IPropertyReferenceOperation property:
                    {
                        var storesThrough = property.Property.IsIndexer && property.Property.ReturnsByRef && property.Instance is not null;
                        var instanceValue = Origin.None;
                        if (!instanceEvaluated)
                        {
                            instanceValue = Eval(property.Instance, ref state);
                            foreach (var argument in property.Arguments)
                            {
                                Eval(argument.Value, ref state);
                            }
                        }
                        else if (storesThrough)
                        {
                            var aside = state;
                            instanceValue = Eval(property.Instance, ref aside);
                        }

                        if (storesThrough)
                        {
                            // span[i] = v: a store into the memory the span addresses.
                            StoreToMemory(instanceValue, valueOperation, value);
                        }
                    }

                    if (property.Property.IsIndexer && property.Instance is not null && ContainerRead(property.Property, Keys.Unwrap(property.Instance).Type))
                    {
                        // map[k] = v (also in a collection initializer): the collection holds v too.
                        StoreToContent(property.Instance, valueOperation, value, ref state);
                        return;
                    }

                    StoreToMember(property.Property, valueOperation, value);
                    StoreToCarrier(property.Property, valueOperation, value);
                    if (!property.Property.IsIndexer)
                    {
                        StoreToValueMember(property.Instance, property.Property, valueOperation, value, ref state);
                    }

                    if (!_symbols.IsBusSinkMember(property.Property) && property.Property.SetMethod is { } setter && setter.Parameters.Length > 0)
                    {
                        // A setter is a method: its value parameter may reach a sink.
                        var setterArguments = new ImmutableHashSet<Origin>[setter.Parameters.Length];
                        for (var i = 0; i < setterArguments.Length; i++)
                        {
                            setterArguments[i] = i == setterArguments.Length - 1 ? value : Origin.None;
                        }

                        var arguments = ImmutableArray.Create(setterArguments);
                        Through(setter, setter.Parameters.Length - 1, valueOperation, value, arguments);
                        if (_summarise && _reporting && HasBody(setter))
                        {
                            // What the setter is given here: a field it stores its value into holds it (as a constructor's arguments).
                            Creations.Add((setter, arguments, valueOperation.Syntax));
                        }
                    }

                    return;
                case IArrayElementReferenceOperation element:
                    StoreToElement(element, valueOperation, value, evaluate: !instanceEvaluated, ref state);
                    return;
                case IInvocationOperation call when IsReferenceInto(call):
                    // MemoryMarshal.AsRef<Desc>(ring.Span) = d, Unsafe.As<byte, Desc>(ref span[0]) = d: a store into that memory.
                    StoreToMemory(instanceEvaluated ? MemoryAside(call, state) : MemoryOf(call, ref state), valueOperation, value);
                    return;
                case IInvocationOperation call when RefSlotOf(call) is { } slot:
                    // Slot() = v: what the body reads back through Slot() later is v, as for a local (a call between that writes the field is not seen).
                    if (!instanceEvaluated)
                    {
                        Invocation(call, ref state);
                    }

                    state = state.SetItem(slot, value);
                    return;
                default:
                    if (target.Kind == OperationKind.None)
                    {
                        if (FixedBufferOf(target) is { } buffer)
                        {
                            // *d->Buffer = v, d->Buffer[i] = v: an element of a fixed buffer is the field.
                            StoreToMember(buffer, valueOperation, value);
                        }

                        // *(ulong*)(p + off) = v, p[i] = v: a store through a pointer.
                        StoreToMemory(instanceEvaluated ? MemoryAside(target, state) : MemoryOf(target, ref state), valueOperation, value);
                        return;
                    }

                    foreach (var child in target.ChildOperations)
                    {
                        Eval(child, ref state);
                    }

                    return;
            }
        }

        /// <summary>
        /// <c>a[i] = v</c>: the array's elements are one content (a weak update: what was there stays).
        /// An array in a local or parameter keeps it in the state; an array in a field or auto-property
        /// is that field's content, as a store into the field itself would be.
        /// </summary>
        /// <param name="evaluate">Are the array and index still to be evaluated (not already, as a flow capture the graph made first)?</param>
        private void StoreToElement(IArrayElementReferenceOperation element, IOperation valueOperation, ImmutableHashSet<Origin> value, bool evaluate, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var array = Keys.Unwrap(element.ArrayReference);
            if (!IsElementCarrier(array.Type))
            {
                if (evaluate)
                {
                    Eval(array, ref state);
                    EvalAll(element.Indices, ref state);
                }

                return;
            }

            switch (array)
            {
                case ILocalReferenceOperation local:
                    state = state.SetItem(local.Local, state.TryGetValue(local.Local, out var held) ? held.Union(value) : value);
                    break;
                case IParameterReferenceOperation parameter:
                    state = state.SetItem(parameter.Parameter, state.TryGetValue(parameter.Parameter, out var given) ? given.Union(value) : value);
                    break;
                case IFieldReferenceOperation field:
                    if (evaluate)
                    {
                        Eval(field.Instance, ref state);
                    }

                    StoreToCarrier(field.Field, valueOperation, value);
                    break;
                case IPropertyReferenceOperation property when !property.Property.IsIndexer:
                    if (evaluate)
                    {
                        Eval(property.Instance, ref state);
                    }

                    StoreToCarrier(property.Property, valueOperation, value);
                    break;
                default:
                    if (evaluate)
                    {
                        Eval(array, ref state);
                    }

                    break;
            }

            if (evaluate)
            {
                EvalAll(element.Indices, ref state);
            }
        }

        private ImmutableHashSet<Origin> Elements(IArrayInitializerOperation initializer, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var union = Origin.None;
            foreach (var element in initializer.ElementValues)
            {
                union = union.Union(element is IArrayInitializerOperation nested ? Elements(nested, ref state) : Eval(element, ref state));
            }

            return union;
        }

        private void EvalAll(ImmutableArray<IOperation> operations, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            foreach (var operation in operations)
            {
                Eval(operation, ref state);
            }
        }

        /// <summary>Is a container's (an array's, a collection's) element type one whose values the flow follows (an address-like number, a pointer, a span)?</summary>
        private bool IsElementCarrier(ITypeSymbol? type) => _symbols.Containers.ElementOf(type) is { } element && IsCarried(element);

        /// <summary>
        /// A store into a field (or auto-property) of the compilation. Its own type's bodies make what
        /// the field holds (read back where it reaches a sink); a store from anywhere is a sink when
        /// some body gives the field to one: reported here when it comes from another type (its own
        /// type's stores are reported where the field reaches the sink), kept in a summary when it
        /// may come from a parameter (a constructor storing its argument).
        /// </summary>
        private void StoreToCarrier(ISymbol member, IOperation valueOperation, ImmutableHashSet<Origin> value)
        {
            if (value.IsEmpty || !(CarrierField(member) is { } field))
            {
                return;
            }

            var ownType = SymbolEqualityComparer.Default.Equals(field.ContainingType?.OriginalDefinition, _owner.ContainingType?.OriginalDefinition);
            if (_summarise)
            {
                // Kept from any type: AddressSummaries decides what a store from outside the field's type contributes.
                FieldWrites[field] = FieldWrites.TryGetValue(field, out var existing) ? existing.Union(value) : value;

                if (_reporting)
                {
                    SinkHits.Add(new SinkHit(value, valueOperation, null, null, 0, field: field));
                }

                return;
            }

            if (ownType || !_reporting || _report is null || !_summaries.MayReachSink(field) || !(_summaries.FindPhysical(value) is { } physical)
                || IsHeld(Descriptors.DMA001.Id, valueOperation.Syntax.GetLocation(), physical.Operation.Syntax)
                || !(_summaries.SinkOf(field) is { } path))
            {
                return;
            }

            var origin = physical.Operation;
            var additional = new List<Location>();
            if (origin.Syntax.SyntaxTree == valueOperation.Syntax.SyntaxTree || IsInCompilation(origin))
            {
                additional.Add(origin.Syntax.GetLocation());
            }

            additional.AddRange(path.Locations);
            Hold(Diagnostic.Create(Descriptors.DMA001, valueOperation.Syntax.GetLocation(), additional,
                $"{Keys.Describe(origin)} (line {Keys.Line(origin)})", path.Describe(SinkPath.Display(field))), origin.Syntax);
        }

        /// <summary>
        /// The <c>fixed</c> buffer field a pointer store lands in: <c>*f</c>, <c>f[i]</c>,
        /// <c>*(f + i)</c> or <c>*(ulong*)f</c> where <c>f</c> is the buffer.
        /// </summary>
        private static IFieldSymbol? FixedBufferOf(IOperation location)
        {
            foreach (var child in location.ChildOperations)
            {
                var address = WithoutCasts(child);
                var pointer = address is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } sum ? WithoutCasts(sum.LeftOperand) : address;
                if (pointer is IFieldReferenceOperation { Field.IsFixedSizeBuffer: true } field)
                {
                    return field.Field;
                }

                // Only the first operand is the address (p[i]: p, then i).
                break;
            }

            return null;
        }

        private static IOperation WithoutCasts(IOperation operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        /// <summary>Is the location inside memory an address points at: through a pointer (<c>*p</c>, <c>p[i]</c>, <c>p-&gt;f</c>) or a span's element?</summary>
        private static bool IsThroughMemory(IOperation location) =>
            location.Kind == OperationKind.None
            || (location is IPropertyReferenceOperation { Instance: not null } indexer && indexer.Property.IsIndexer && indexer.Property.ReturnsByRef)
            || (location is IFieldReferenceOperation { Instance: { } inner } && IsThroughMemory(inner))
            || location is ILocalReferenceOperation { Local.IsRef: true }
            || (location is IInvocationOperation call && IsReferenceInto(call));

        /// <summary>
        /// A framework call that gives a reference into the memory its arguments address:
        /// <c>MemoryMarshal.AsRef&lt;T&gt;(span)</c>, <c>MemoryMarshal.GetReference(span)</c>,
        /// <c>Unsafe.As&lt;TFrom, TTo&gt;(ref span[0])</c>, <c>Unsafe.Add(ref r, i)</c>.
        /// </summary>
        private static bool IsReferenceInto(IInvocationOperation call) =>
            call.TargetMethod.ReturnsByRef
            && MemoryAccessors.Of(call.TargetMethod) is MemoryAccessor.Unsafe or MemoryAccessor.MemoryMarshal;

        /// <summary>
        /// <c>ref var d = ref …</c>: the memory <paramref name="referenced"/> is in, when it is through an
        /// address (a span's element, a pointer's target, a framework reference), is where stores through
        /// <c>d</c> land; otherwise the local refers to no memory the analysis follows.
        /// </summary>
        private void ReferTo(ILocalSymbol local, IOperation referenced, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            var key = new ReferenceKey(local);
            var location = Keys.Unwrap(referenced);
            var memory = IsThroughMemory(location) ? MemoryOf(location, ref state) : Origin.None;
            state = memory.IsEmpty ? state.Remove(key) : state.SetItem(key, memory);
        }

        /// <summary>The address a location is stored through (evaluating the location's parts): the pointer, or the span, it is in.</summary>
        private ImmutableHashSet<Origin> MemoryOf(IOperation location, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            location = Keys.Unwrap(location);
            switch (location)
            {
                case IPropertyReferenceOperation { Instance: { } instance } indexer when indexer.Property.IsIndexer:
                    {
                        var span = Eval(instance, ref state);
                        foreach (var argument in indexer.Arguments)
                        {
                            Eval(argument.Value, ref state);
                        }

                        return AddressPart(span);
                    }

                case IFieldReferenceOperation { Instance: { } instance } when IsThroughMemory(instance):
                    return MemoryOf(instance, ref state);
                case ILocalReferenceOperation { Local.IsRef: true } refLocal:
                    return state.TryGetValue(new ReferenceKey(refLocal.Local), out var into) ? into : Origin.None;
                case IInvocationOperation call when IsReferenceInto(call):
                    {
                        // AsRef<T>(span), As<TFrom, TTo>(ref span[i]): memory inside what the arguments address.
                        var referred = Origin.None;
                        foreach (var argument in call.Arguments)
                        {
                            referred = referred.Union(argument.Parameter is { RefKind: not RefKind.None } ? MemoryOf(argument.Value, ref state) : AddressPart(Eval(argument.Value, ref state)));
                        }

                        return referred;
                    }

                default:
                    if (location.Kind != OperationKind.None)
                    {
                        Eval(location, ref state);
                        return Origin.None;
                    }

                    var memory = Origin.None;
                    foreach (var child in location.ChildOperations)
                    {
                        var part = Eval(child, ref state);
                        if (child.Type is IPointerTypeSymbol || DeviceWrites.IsMemoryHandle(Keys.Unwrap(child).Type) || child.Type?.SpecialType == SpecialType.System_UInt64
                            || child.Type?.SpecialType == SpecialType.System_Int64)
                        {
                            memory = memory.Union(AddressPart(part));
                        }
                    }

                    return memory;
            }
        }

        /// <summary>
        /// A value stored through an address: device-visible when the address is device memory. In a
        /// summary the store is kept with its address, which may be a parameter the caller gives
        /// device memory.
        /// </summary>
        private void StoreToMemory(ImmutableHashSet<Origin> memory, IOperation valueOperation, ImmutableHashSet<Origin> value)
        {
            if (memory.IsEmpty || value.IsEmpty || !_reporting)
            {
                return;
            }

            var step = $"a store to device-visible memory {Keys.Describe(Keys.Unwrap(valueOperation).Parent is ISimpleAssignmentOperation assignment ? assignment.Target : valueOperation)}";
            if (_summarise)
            {
                SinkHits.Add(new SinkHit(value, valueOperation, step, null, 0, memory));
                return;
            }

            if (_report is null || !(_summaries.FindPhysical(value) is { } physical) || !(_summaries.FindDeviceMemory(memory) is { } device))
            {
                return;
            }

            var origin = physical.Operation;
            var additional = new List<Location>();
            if (origin.Syntax.SyntaxTree == valueOperation.Syntax.SyntaxTree || IsInCompilation(origin))
            {
                additional.Add(origin.Syntax.GetLocation());
            }

            if (_symbols.Compilation.ContainsSyntaxTree(device.Node.SyntaxTree))
            {
                additional.Add(device.Node.GetLocation());
            }

            Hold(Diagnostic.Create(Descriptors.DMA001, valueOperation.Syntax.GetLocation(), additional,
                $"{Keys.Describe(origin)} (line {Keys.Line(origin)})", $"device-visible memory from {device.Description} (line {device.Node.GetLocation().GetLineSpan().StartLinePosition.Line + 1})"),
                origin.Syntax);
        }

        private static IArgumentOperation? ArgumentFor(ImmutableArray<IArgumentOperation> arguments, int ordinal)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter?.Ordinal == ordinal)
                {
                    return argument;
                }
            }

            return null;
        }

        private void StoreToMember(ISymbol member, IOperation valueOperation, ImmutableHashSet<Origin> value)
        {
            if (!_symbols.IsBusSinkMember(member))
            {
                return;
            }

            var memberType = member is IFieldSymbol f ? f.Type : (member as IPropertySymbol)?.Type;
            if (_symbols.PointersArePhysical && memberType is IPointerTypeSymbol && ValueConversions.IsPointer(Keys.Unwrap(valueOperation).Type) && !HasPhysical(value))
            {
                // Identity-mapped: a pointer stored as it is into a pointer-typed address slot is the physical address it points at.
                value = value.Add(new PhysicalOrigin(valueOperation));
            }

            var sink = $"the device-visible {(member is IFieldSymbol ? "field" : "property")} '{member.ContainingType?.Name}.{member.Name}'";
            RecordSink(valueOperation, value, $"'{member.ContainingType?.Name}.{member.Name}'");
            if (!CheckPhysical(valueOperation, value, sink))
            {
                // A member another project published as a sink is its wrapper: a bare constant there is a command as often as an address.
                CheckForged(valueOperation, value, sink, constants: !_symbols.IsPublishedSinkMember(member));
            }
        }

        private ImmutableHashSet<Origin> Deconstruct(IOperation target, IOperation value, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            target = Keys.Unwrap(target);
            if (target is IDeclarationExpressionOperation declaration)
            {
                target = declaration.Expression;
            }

            value = Keys.Unwrap(value);
            if (target is ITupleOperation targets && value is ITupleOperation values && targets.Elements.Length == values.Elements.Length)
            {
                var union = Origin.None;
                for (var i = 0; i < targets.Elements.Length; i++)
                {
                    union = union.Union(Deconstruct(targets.Elements[i], values.Elements[i], ref state));
                }

                return union;
            }

            var whole = Eval(value, ref state);
            AssignAll(target, whole, value, ref state);
            return whole;
        }

        private void AssignAll(IOperation target, ImmutableHashSet<Origin> value, IOperation valueOperation, ref ImmutableDictionary<object, ImmutableHashSet<Origin>> state)
        {
            target = Keys.Unwrap(target);
            if (target is IDeclarationExpressionOperation declaration)
            {
                target = declaration.Expression;
            }

            if (target is ITupleOperation tuple)
            {
                foreach (var element in tuple.Elements)
                {
                    AssignAll(element, value, valueOperation, ref state);
                }

                return;
            }

            if (target is IDiscardOperation)
            {
                return;
            }

            Assign(target, value, valueOperation, ref state);
        }

        /// <summary>
        /// A parameter of no function of this body: a primary constructor's, read by a member of its type. A summary marks
        /// it (<see cref="CapturedOrigin"/>) so that the sinks it reaches are its constructor's; otherwise nothing known.
        /// </summary>
        private ImmutableHashSet<Origin> Captured(IParameterSymbol parameter) =>
            _summarise && parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
            && !SymbolEqualityComparer.Default.Equals(constructor, _owner)
                ? Origin.None.Add(new CapturedOrigin(parameter))
                : Origin.None;

        /// <summary>Summary mode: a value reaches a device-visible sink here (<paramref name="step"/> names it).</summary>
        private void RecordSink(IOperation valueOperation, ImmutableHashSet<Origin> value, string step)
        {
            if (_summarise && _reporting && !value.IsEmpty)
            {
                SinkHits.Add(new SinkHit(value, valueOperation, step, null, 0));
            }
        }

        /// <summary>
        /// A value given to parameter <paramref name="ordinal"/> of a method the compilation may run
        /// (its body, or an override's or implementation's). Summarising, the value is recorded for
        /// the caller's own summary; otherwise, a physical (or forged) value is reported here when the
        /// parameter reaches a sink, with the path it takes.
        /// </summary>
        private void Through(IMethodSymbol method, int ordinal, IOperation valueOperation, ImmutableHashSet<Origin> value, ImmutableArray<ImmutableHashSet<Origin>> arguments,
            IFieldSymbol? receiver = null)
        {
            if (value.IsEmpty || !_reporting || !_summaries.MayReachSink(method))
            {
                return;
            }

            if (_summarise)
            {
                SinkHits.Add(new SinkHit(value, valueOperation, null, method, ordinal, arguments: arguments, receiver: receiver));
                return;
            }

            if (_report is null)
            {
                return;
            }

            var physical = _summaries.FindPhysical(value);
            var forged = physical is null ? _summaries.FindOnlyForged(value) ?? _summaries.FindForgedFromPhysical(value) : null;
            if (forged is not null && forged.IsConstant && !_summaries.IsIndexedConstant(value))
            {
                // A constant through a wrapper is most often a register's command or length, not an address;
                // a hard-coded base plus an index-scaled offset is a table's address wherever it goes.
                forged = null;
            }

            if (forged is not null && _summaries.ReportedWhereEntered(value))
            {
                // Read back from a field a constructor or setter stored it into, and reported where it was given to that one.
                forged = null;
            }
            if ((physical is null && forged is null) || !(_summaries.SinkOf(method, ordinal, _summaries.DeviceArguments(arguments), receiver) is { } path))
            {
                return;
            }

            var sink = path.Describe(SinkPath.Display(method, ordinal));
            var site = physical?.Operation ?? forged!.Creation;
            var additional = new List<Location>();
            if (site.Syntax.SyntaxTree == valueOperation.Syntax.SyntaxTree || IsInCompilation(site))
            {
                additional.Add(site.Syntax.GetLocation());
            }

            additional.AddRange(path.Locations);
            if (physical is not null)
            {
                Hold(Diagnostic.Create(Descriptors.DMA001, valueOperation.Syntax.GetLocation(), additional,
                    $"{Keys.Describe(site)} (line {Keys.Line(site)})", sink), site.Syntax);
            }
            else
            {
                Hold(Diagnostic.Create(Descriptors.DMA008, valueOperation.Syntax.GetLocation(), additional, forged!.Source, sink), site.Syntax);
            }
        }

        /// <summary>Reports DMA001 when a physical origin reaches a sink; true when it did.</summary>
        private bool CheckPhysical(IOperation valueOperation, ImmutableHashSet<Origin> value, string sink)
        {
            if (value.IsEmpty)
            {
                return false;
            }

            // While summarising, callee summaries are not consulted (that could recurse into the summary being built).
            var physical = _summarise ? EarliestPhysical(value) : _summaries.FindPhysical(value);
            if (physical is null)
            {
                return false;
            }

            if (_reporting && _report is not null)
            {
                var origin = physical.Operation;
                var additional = origin.Syntax.SyntaxTree == valueOperation.Syntax.SyntaxTree || IsInCompilation(origin)
                    ? new[] { origin.Syntax.GetLocation() }
                    : Array.Empty<Location>();
                Hold(Diagnostic.Create(Descriptors.DMA001, valueOperation.Syntax.GetLocation(), additional,
                    $"{Keys.Describe(origin)} (line {Keys.Line(origin)})", sink), origin.Syntax);
            }

            return true;
        }

        /// <summary>The physical origin among <paramref name="origins"/> that a message names (see <see cref="Origin.IsEarlier"/>).</summary>
        /// <summary>Of a value's bare integer constants (<see cref="ForgedOrigin.IsConstant"/>), the one a message names; null when it holds none.</summary>
        private static ForgedOrigin? EarliestConstant(ImmutableHashSet<Origin> origins)
        {
            ForgedOrigin? earliest = null;
            foreach (var origin in origins)
            {
                if (origin is ForgedOrigin { IsConstant: true } constant && Origin.IsEarlier(constant.Creation.Syntax, earliest?.Creation.Syntax))
                {
                    earliest = constant;
                }
            }

            return earliest;
        }

        public static PhysicalOrigin? EarliestPhysical(ImmutableHashSet<Origin> origins) =>
            Origin.Earliest<PhysicalOrigin>(origins, physical => physical.Operation.Syntax);

        private bool IsInCompilation(IOperation operation) => _symbols.Compilation.ContainsSyntaxTree(operation.Syntax.SyntaxTree);

        /// <param name="constants">Is the slot declared an address (a [BusAddress] parameter, a sink field or property), so that a bare constant there is a hard-coded device address?</param>
        private void CheckForged(IOperation valueOperation, ImmutableHashSet<Origin> value, string sink, bool constants)
        {
            if (value.IsEmpty || !_reporting || _report is null)
            {
                return;
            }

            var forged = _summaries.FindOnlyForged(value) ?? _summaries.FindForgedFromPhysical(value);
            if (forged is null || (forged.IsConstant && !constants && !_symbols.IsBusAddressType(Keys.Unwrap(valueOperation).Type) && !_summaries.IsIndexedConstant(value))
                || _summaries.ReportedWhereEntered(value))
            {
                return;
            }

            var additional = IsInCompilation(forged.Creation) ? new[] { forged.Creation.Syntax.GetLocation() } : Array.Empty<Location>();
            Hold(Diagnostic.Create(Descriptors.DMA008, valueOperation.Syntax.GetLocation(), additional, forged.Source, sink), forged.Creation.Syntax);
        }

        /// <summary>
        /// Keeps one diagnostic per rule and place, naming the earliest origin any path brings there:
        /// the paths (a finally run once per edge that leaves its try) are not visited in the same order
        /// over the graph and over the tree, and the message must not depend on which came first.
        /// </summary>
        /// <summary>
        /// Is a diagnostic of this id already held at the location, from an origin no later than <paramref name="origin"/>? Then
        /// <see cref="Hold"/> would keep that one over another from this origin: a store into a member that is itself a
        /// device-visible sink is reported as one (<see cref="StoreToMember"/>), and where the field's value goes after it
        /// need not be looked for.
        /// </summary>
        private bool IsHeld(string id, Location location, SyntaxNode origin) =>
            _held.TryGetValue((id, location), out var held) && !Origin.IsEarlier(origin, held.Origin);

        private void Hold(Diagnostic diagnostic, SyntaxNode origin)
        {
            var key = (diagnostic.Id, diagnostic.Location);
            if (!_held.TryGetValue(key, out var held) || Origin.IsEarlier(origin, held.Origin))
            {
                _held[key] = (origin, diagnostic);
            }
        }

        /// <summary>Reports what the run found (call once the solver or the tree walk is done).</summary>
        public void Flush()
        {
            foreach (var held in _held.Values)
            {
                _report?.Invoke(held.Diagnostic);
            }

            _held.Clear();
        }
    }
}
