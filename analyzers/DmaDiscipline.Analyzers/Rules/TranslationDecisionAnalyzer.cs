using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// DMA007: a branch on IOMMU presence or mode (a translation query) that chooses between giving
    /// the device a physical address and using the DMA API. Branching on the IOMMU for anything else
    /// (logging, statistics, batch sizes) is not reported.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class TranslationDecisionAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA007);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is not analysed. Diagnostics are not filtered again: they only ever fall in
            // the analysed (so not generated) body, and the driver's filter would scan the whole tree for
            // [GeneratedCode] declarations on the first diagnostic in each file.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = DmaSymbols.Create(start.Compilation, start.Options, start.CancellationToken);
                if (!symbols.IsActive || symbols.CompilationIsPlatform)
                {
                    return;
                }

                var names = symbols.Names(start.CancellationToken);
                if (!names.SourceNamesMapping(start.CancellationToken)
                    || !names.SourceNamesPhysical(start.CancellationToken))
                {
                    // The body prefilter needs both in one body: with either missing from every tree, no body passes it.
                    return;
                }

                start.RegisterCodeBlockAction(block => Analyze(block, symbols, names));
            });
        }

        /// <summary>Runs on every body: only the text prefilter, compiled optimised; the few bodies it keeps are analysed by <see cref="AnalyzeBody"/>.</summary>
        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, InterestingNames names)
        {
            // Token prefilter: the rule needs the DMA API and a physical source in the same body.
            if (InterestingNames.Mentions(context.CodeBlock, names.MappingWords) && InterestingNames.Mentions(context.CodeBlock, names.PhysicalWords)
                && !symbols.IsPlatformCode(context.OwningSymbol))
            {
                AnalyzeBody(context, symbols);
            }
        }

        private static void AnalyzeBody(CodeBlockAnalysisContext context, DmaSymbols symbols)
        {
            if (!(BodyAnalysis.RootOf(context) is { } root))
            {
                return;
            }

            HashSet<ILocalSymbol>? queryLocals = null;
            Dictionary<ILocalSymbol, List<IOperation>>? mappedLocals = null;
            List<Choice>? branches = null;
            var usesApi = false;
            foreach (var operation in root.Descendants())
            {
                switch (operation)
                {
                    case IInvocationOperation invocation when (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0:
                        usesApi = true;
                        if ((symbols.RolesOf(invocation.TargetMethod) & DmaRole.Map) != 0 && invocation.Arguments.Length > 0 && AssignedLocal(invocation) is { } holder)
                        {
                            // A map made before the branch: an arm that reads the local uses the mapping.
                            mappedLocals ??= new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
                            if (!mappedLocals.TryGetValue(holder, out var mappedValues))
                            {
                                mappedLocals.Add(holder, mappedValues = new List<IOperation>());
                            }

                            mappedValues.Add(FirstArgument(invocation));
                        }

                        break;
                    case IVariableDeclaratorOperation declarator when declarator.Initializer is { } initializer && FindQuery(initializer.Value, symbols, null) is not null:
                        (queryLocals ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(declarator.Symbol);
                        break;
                    case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local && FindQuery(assignment.Value, symbols, null) is not null:
                        (queryLocals ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(local.Local);
                        break;
                    case IConditionalOperation conditional:
                        (branches ??= new List<Choice>()).Add(new Choice(conditional.Condition, IfArms(conditional), FlowsIntoSink(conditional, symbols, root)));
                        break;
                    case ISwitchOperation @switch:
                        {
                            var arms = new List<IReadOnlyList<IOperation>>();
                            foreach (var section in @switch.Cases)
                            {
                                arms.Add(section.Body);
                            }

                            (branches ??= new List<Choice>()).Add(new Choice(@switch.Value, arms, false));
                            break;
                        }

                    case ISwitchExpressionOperation switchExpression:
                        {
                            var arms = new List<IReadOnlyList<IOperation>>();
                            foreach (var arm in switchExpression.Arms)
                            {
                                arms.Add(new[] { arm.Value });
                            }

                            (branches ??= new List<Choice>()).Add(new Choice(switchExpression.Value, arms, FlowsIntoSink(switchExpression, symbols, root)));
                            break;
                        }
                }
            }

            if (branches is null || !usesApi)
            {
                return;
            }

            foreach (var branch in branches)
            {
                if (FindQuery(branch.Condition, symbols, queryLocals) is { } query)
                {
                    // A translation query decides: one arm giving a device a physical address is enough.
                    foreach (var arm in branch.Arms)
                    {
                        if (PhysicalToDevice(arm, symbols, branch.SinkOutside, root) is { } physical && ApiOutside(root, arm, symbols))
                        {
                            context.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA007, query.Syntax.GetLocation(), new[] { physical.Syntax.GetLocation() }, Keys.Describe(query)));
                            break;
                        }
                    }

                    continue;
                }

                // Whatever the condition reads: one arm gives the device the physical address of the
                // value another arm maps.
                if (PhysicalInsteadOfMap(branch, symbols, root, mappedLocals) is { } raw)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA007, branch.Condition.Syntax.GetLocation(), new[] { raw.Syntax.GetLocation() }, Keys.Describe(branch.Condition)));
                }
            }
        }

        /// <summary>A branch: the value it decides on, the code each way it can go, and whether its own value goes to a device.</summary>
        private sealed class Choice
        {
            public Choice(IOperation condition, IReadOnlyList<IReadOnlyList<IOperation>> arms, bool sinkOutside)
            {
                Condition = condition;
                Arms = arms;
                SinkOutside = sinkOutside;
            }

            public IOperation Condition { get; }

            public IReadOnlyList<IReadOnlyList<IOperation>> Arms { get; }

            public bool SinkOutside { get; }
        }

        /// <summary>
        /// The arms of an <c>if</c> or <c>?:</c>. An <c>if</c> without <c>else</c> whose body always
        /// leaves (return, throw, break, continue) chooses between its body and the rest of its block.
        /// </summary>
        private static IReadOnlyList<IReadOnlyList<IOperation>> IfArms(IConditionalOperation conditional)
        {
            if (conditional.WhenFalse is { } whenFalse)
            {
                return new[] { new[] { conditional.WhenTrue }, new[] { whenFalse } };
            }

            var arms = new List<IReadOnlyList<IOperation>> { new[] { conditional.WhenTrue } };
            if (AlwaysLeaves(conditional.WhenTrue) && conditional.Parent is IBlockOperation block)
            {
                var index = block.Operations.IndexOf(conditional);
                var rest = new List<IOperation>();
                for (var i = index + 1; i < block.Operations.Length; i++)
                {
                    rest.Add(block.Operations[i]);
                }

                arms.Add(rest);
            }

            return arms;
        }

        private static bool AlwaysLeaves(IOperation statement)
        {
            while (statement is IBlockOperation block && block.Operations.Length > 0)
            {
                statement = block.Operations[block.Operations.Length - 1];
            }

            return statement is IReturnOperation || statement is IBranchOperation || statement is IThrowOperation
                || (statement is IExpressionStatementOperation expression && expression.Operation is IThrowOperation);
        }

        /// <summary>
        /// The physical source of an arm that gives a device the physical address of a value that
        /// another arm maps through the DMA API, when the condition does not read that value (a
        /// choice made on the data itself, its length or contents, is not a choice of translation).
        /// </summary>
        private static IOperation? PhysicalInsteadOfMap(Choice branch, DmaSymbols symbols, IOperation root, Dictionary<ILocalSymbol, List<IOperation>>? mappedLocals)
        {
            for (var i = 0; i < branch.Arms.Count; i++)
            {
                if (!(PhysicalToDevice(branch.Arms[i], symbols, branch.SinkOutside, root) is { } physical) || !(PhysicalValue(physical) is { } value)
                    || Reads(branch.Condition, value))
                {
                    continue;
                }

                for (var j = 0; j < branch.Arms.Count; j++)
                {
                    if (j != i && MapsValue(branch.Arms[j], value, symbols, mappedLocals))
                    {
                        return physical;
                    }
                }
            }

            return null;
        }

        /// <summary>What a physical source gives the address of: <c>buf</c> in <c>buf.PhysicalAddress</c> or <c>VirtToPhys(buf)</c>.</summary>
        private static IOperation? PhysicalValue(IOperation physical) => physical switch
        {
            IInvocationOperation invocation when invocation.Arguments.Length > 0 => invocation.Arguments[0].Value,
            IInvocationOperation invocation => invocation.Instance,
            IMemberReferenceOperation member => member.Instance,
            _ => null,
        };

        /// <summary>
        /// Does the arm map the value, or read a local that holds a map of it (<c>var m = MapSingle(buf, …)</c>
        /// before the branch, <c>useIommu ? m : buf.PhysicalAddress</c>)?
        /// </summary>
        private static bool MapsValue(IReadOnlyList<IOperation> arm, IOperation value, DmaSymbols symbols, Dictionary<ILocalSymbol, List<IOperation>>? mappedLocals)
        {
            foreach (var root in arm)
            {
                foreach (var operation in Self(root))
                {
                    switch (operation)
                    {
                        case IInvocationOperation invocation when invocation.Arguments.Length > 0
                            && (symbols.RolesOf(invocation.TargetMethod) & DmaRole.Map) != 0
                            && SameValue(FirstArgument(invocation), value):
                            return true;
                        case ILocalReferenceOperation local when mappedLocals is not null && mappedLocals.TryGetValue(local.Local, out var mapped):
                            foreach (var mappedValue in mapped)
                            {
                                if (SameValue(mappedValue, value))
                                {
                                    return true;
                                }
                            }

                            break;
                    }
                }
            }

            return false;
        }

        /// <summary>The local a value is declared or assigned into, through conversions and member reads (<c>var a = Map(…).Value</c>).</summary>
        private static ILocalSymbol? AssignedLocal(IOperation value)
        {
            ValueUse.Taker(value, out var holder);
            return holder;
        }

        private static IOperation FirstArgument(IInvocationOperation invocation)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == 0)
                {
                    return argument.Value;
                }
            }

            return invocation.Arguments[0].Value;
        }

        private static bool Reads(IOperation condition, IOperation value)
        {
            foreach (var operation in Self(condition))
            {
                if (SameValue(operation, value))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The same storage read twice: a local, parameter, this, a field or property of the same object, an element at the same index.</summary>
        private static bool SameValue(IOperation? a, IOperation? b)
        {
            a = Unwrap(a);
            b = Unwrap(b);
            switch (a)
            {
                case null:
                    return b is null;
                case ILocalReferenceOperation local:
                    return b is ILocalReferenceOperation otherLocal && SymbolEqualityComparer.Default.Equals(local.Local, otherLocal.Local);
                case IParameterReferenceOperation parameter:
                    return b is IParameterReferenceOperation otherParameter && SymbolEqualityComparer.Default.Equals(parameter.Parameter, otherParameter.Parameter);
                case IInstanceReferenceOperation _:
                    return b is IInstanceReferenceOperation;
                case IFieldReferenceOperation field:
                    return b is IFieldReferenceOperation otherField && SymbolEqualityComparer.Default.Equals(field.Field, otherField.Field) && SameValue(field.Instance, otherField.Instance);
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    return b is IPropertyReferenceOperation otherProperty && otherProperty.Arguments.IsEmpty
                        && SymbolEqualityComparer.Default.Equals(property.Property, otherProperty.Property) && SameValue(property.Instance, otherProperty.Instance);
                case IArrayElementReferenceOperation element:
                    if (!(b is IArrayElementReferenceOperation otherElement) || element.Indices.Length != otherElement.Indices.Length || !SameValue(element.ArrayReference, otherElement.ArrayReference))
                    {
                        return false;
                    }

                    for (var i = 0; i < element.Indices.Length; i++)
                    {
                        var index = element.Indices[i];
                        var otherIndex = otherElement.Indices[i];
                        if (!(index.ConstantValue.HasValue ? Equals(index.ConstantValue.Value, otherIndex.ConstantValue.Value) : SameValue(index, otherIndex)))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion when conversion.IsImplicit:
                        operation = conversion.Operand;
                        continue;
                    case IParenthesizedOperation parenthesized:
                        operation = parenthesized.Operand;
                        continue;
                    default:
                        return operation;
                }
            }
        }

        /// <summary>A read of a translation query in a condition (or of a local that holds one).</summary>
        private static IOperation? FindQuery(IOperation condition, DmaSymbols symbols, HashSet<ILocalSymbol>? queryLocals)
        {
            foreach (var operation in Self(condition))
            {
                switch (operation)
                {
                    case IPropertyReferenceOperation property when IsQuery(property.Property, property.Type, symbols):
                        return operation;
                    case IFieldReferenceOperation field when !field.Field.HasConstantValue && IsQuery(field.Field, field.Type, symbols):
                        return operation;
                    case IInvocationOperation invocation when IsQuery(invocation.TargetMethod, invocation.Type, symbols):
                        return operation;
                    case ILocalReferenceOperation local when queryLocals is not null && queryLocals.Contains(local.Local):
                        return operation;
                }
            }

            return null;
        }

        private static bool IsQuery(ISymbol member, ITypeSymbol? type, DmaSymbols symbols) =>
            (symbols.RolesOf(member) & DmaRole.TranslationQuery) != 0 || symbols.IsTranslationType(type);

        private static IEnumerable<IOperation> Self(IOperation operation)
        {
            yield return operation;
            foreach (var descendant in operation.Descendants())
            {
                yield return descendant;
            }
        }

        /// <summary>The physical source in an arm that also hands something to a device-visible sink.</summary>
        private static IOperation? PhysicalToDevice(IReadOnlyList<IOperation> arm, DmaSymbols symbols, bool sinkOutside, IOperation body)
        {
            IOperation? physical = null;
            var sink = sinkOutside;
            foreach (var root in arm)
            {
                foreach (var operation in Self(root))
                {
                    switch (operation)
                    {
                        case IMemberReferenceOperation member when (symbols.RolesOf(member.Member) & DmaRole.PhysicalSource) != 0:
                        case IInvocationOperation invocation when (symbols.RolesOf(invocation.TargetMethod) & DmaRole.PhysicalSource) != 0:
                            physical ??= operation;
                            if (!sink && AssignedLocal(operation) is { } holder && LocalReachesSink(holder, body, symbols))
                            {
                                // addr = buf.PhysicalAddress.Value in the arm, Post(addr) after the branch.
                                sink = true;
                            }

                            break;
                        case IArgumentOperation argument when argument.Parameter is not null && symbols.IsBusSinkParameter(argument.Parameter):
                            sink = true;
                            break;
                        case IAssignmentOperation assignment when assignment.Target is IMemberReferenceOperation target && symbols.IsBusSinkMember(target.Member):
                            sink = true;
                            break;
                        case IObjectCreationOperation creation when symbols.IsBusAddressType(creation.Type):
                            sink = true;
                            break;
                    }
                }
            }

            return sink ? physical : null;
        }

        /// <summary>
        /// An expression (?: or switch) whose value is given to a device-visible sink, directly or
        /// through a local it initialises (<c>var addr = c ? m : p; ring.Post(addr);</c>).
        /// </summary>
        private static bool FlowsIntoSink(IOperation expression, DmaSymbols symbols, IOperation body)
        {
            if (expression.Type is null || expression.Type.SpecialType == SpecialType.System_Void)
            {
                return false;
            }

            if (IntoSink(expression, symbols))
            {
                return true;
            }

            // One step through a local: enough for the "choose, then post" phrasing, and bounded.
            return AssignedLocal(expression) is { } holder && LocalReachesSink(holder, body, symbols);
        }

        /// <summary>Is the local read somewhere in the body where its value goes to a device-visible sink?</summary>
        private static bool LocalReachesSink(ILocalSymbol local, IOperation body, DmaSymbols symbols)
        {
            foreach (var read in ValueUse.ReadsOf(local, body))
            {
                if (IntoSink(read, symbols))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IntoSink(IOperation expression, DmaSymbols symbols) => ValueUse.Taker(expression, out _) switch
        {
            IAssignmentOperation { Target: IMemberReferenceOperation target } => symbols.IsBusSinkMember(target.Member),
            IArgumentOperation { Parameter: { } parameter } => symbols.IsBusSinkParameter(parameter),
            IObjectCreationOperation creation => symbols.IsBusAddressType(creation.Type),
            _ => false,
        };

        private static bool ApiOutside(IOperation root, IReadOnlyList<IOperation> arm, DmaSymbols symbols)
        {
            foreach (var operation in root.Descendants())
            {
                if (operation is IInvocationOperation invocation && (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0
                    && !Contains(arm, invocation))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Contains(IReadOnlyList<IOperation> arm, IOperation operation)
        {
            for (var current = operation; current is not null; current = current.Parent)
            {
                foreach (var ancestor in arm)
                {
                    if (current == ancestor)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
