using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The member declarations of a compilation's source, read as words for
    /// <see cref="AddressCarriers"/>: which members can hand a body a physical or forged address,
    /// once the names that can are known. Declarations are walked as syntax (bodies are not
    /// descended into, so their nodes are never built); bodies are searched as text.
    /// </summary>
    internal sealed class SourceDeclarations
    {
        private readonly List<Unit> _units = new List<Unit>();

        private SourceDeclarations()
        {
        }

        /// <summary>Address-sized constants and enums of an address-sized underlying type: a hard-coded device address can come through them.</summary>
        public HashSet<string> Constants { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Fields, properties and methods whose declared type (a method's: its signature) has a pointer in it.</summary>
        public HashSet<string> PointerMembers { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// Readonly address-like fields and get-only address-like auto-properties of classes: set only by constructors, read
        /// per allocation site through a field that only holds objects made by <c>new</c> (a hard-coded address can come through them).
        /// </summary>
        public HashSet<string> ConstructorOnlyMembers { get; } = new HashSet<string>(StringComparer.Ordinal);

        // Each tree's candidates, found once per tree object (a compilation that keeps the tree reads them from here).
        private static readonly ConditionalWeakTable<SyntaxTree, List<BaseMethodDeclarationSyntax>> Candidates = new ConditionalWeakTable<SyntaxTree, List<BaseMethodDeclarationSyntax>>();

        /// <summary>
        /// The methods, operators and conversions of a tree whose signature lets them be value-preserving helpers (return what
        /// their first argument carries): a first parameter and a return whose declared types may be address-like — every
        /// type but the predefined ones too narrow to hold an address (<c>int</c>, <c>byte</c>, <c>bool</c>, <c>void</c>…),
        /// arrays and tuples. A superset, by syntax: the summary generator asks the symbols of these only, so that a project
        /// that does no DMA binds no other member's signature (<see cref="MayHoldAddress"/>). Only the declarations of
        /// types are walked (the namespaces and types around them, not a body), once per tree object; in document order,
        /// a type's members before those of the types nested in it.
        /// </summary>
        public static List<BaseMethodDeclarationSyntax> ValuePreservingCandidatesOf(SyntaxTree tree)
        {
            if (Candidates.TryGetValue(tree, out var known))
            {
                return known;
            }

            var found = new List<BaseMethodDeclarationSyntax>();
            if (tree.GetRoot() is CompilationUnitSyntax unit)
            {
                AddCandidates(unit.Members, found);
            }

            // Two callers racing find the same list: either one is right.
            return Candidates.GetValue(tree, _ => found);
        }

        private static void AddCandidates(SyntaxList<MemberDeclarationSyntax> members, List<BaseMethodDeclarationSyntax> found)
        {
            foreach (var member in members)
            {
                if (member is BaseNamespaceDeclarationSyntax ns)
                {
                    AddCandidates(ns.Members, found);
                }
                else if (member is TypeDeclarationSyntax type)
                {
                    AddCandidates(type, found);
                }
            }
        }

        private static void AddCandidates(TypeDeclarationSyntax type, List<BaseMethodDeclarationSyntax> found)
        {
            foreach (var member in type.Members)
            {
                if (member is BaseMethodDeclarationSyntax helper && IsValuePreservingCandidate(helper))
                {
                    found.Add(helper);
                }
            }

            foreach (var member in type.Members)
            {
                if (member is TypeDeclarationSyntax nested)
                {
                    AddCandidates(nested, found);
                }
            }
        }

        /// <summary>Methods and constructors of the source with an optional bus-address parameter (an omitted argument is a forgery).</summary>
        public HashSet<string> Forgers { get; } = new HashSet<string>(StringComparer.Ordinal);

        private enum UnitKind
        {
            /// <summary>A method: carries when it mentions a carrier (or forges) and returns a value, writes out/ref, or takes a carrier-typed callback.</summary>
            Method,

            /// <summary>A field, property, indexer, event, delegate or primary-constructor parameter: carries when its declared type names a carrier.</summary>
            Value,

            /// <summary>Any other member (constructors, operators, accessors of its own): only its field writes matter.</summary>
            Body,
        }

        private sealed class Unit
        {
            public Unit(UnitKind kind, string[] names, string text, TextSpan span, TextSpan typeSpan, bool returnsSomething, string? typeName)
            {
                Kind = kind;
                Names = names;
                Text = text;
                Span = span;
                TypeSpan = typeSpan;
                ReturnsSomething = returnsSomething;
                TypeName = typeName;
            }

            public UnitKind Kind { get; }
            public string[] Names { get; }

            /// <summary>The whole text of the declaration's tree; the declaration is <see cref="Span"/> of it.</summary>
            public string Text { get; }
            public TextSpan Span { get; }

            /// <summary>The declared type (for a method: return type and parameters).</summary>
            public TextSpan TypeSpan { get; }
            public bool ReturnsSomething { get; }
            public string? TypeName { get; }
            public bool Done { get; set; }

            /// <summary>Does the declaration make a bus address (<c>default</c>, <c>new(</c>, <c>DmaAddr(</c>)?</summary>
            public bool Forges { get; set; }

            /// <summary>Does the declaration, or its declared type, name a carrier found so far?</summary>
            public bool MentionsCarrier { get; set; }
            public bool TypeMentionsCarrier { get; set; }

            /// <summary>Address-like fields of its own type the member assigns (null once propagated).</summary>
            public List<string>? WrittenFields { get; set; }

            /// <summary>What <see cref="WrittenFields"/> was before a propagation.</summary>
            public List<string>? OriginalWrittenFields { get; set; }

            /// <summary>The word a call of it shows (a method's name, a property's, the type's for a constructor or indexer); null when none.</summary>
            public string? CallName { get; set; }

            /// <summary>Has its call name been added to the sinks?</summary>
            public bool SinkDone { get; set; }

            /// <summary>For a primary-constructor parameter: the type whose constructor it is.</summary>
            public string? PrimaryOf { get; set; }

            /// <summary>
            /// For what a primary constructor runs or keeps — an instance field's or property's initializer, the base
            /// constructor's arguments, a parameter (which members read from the compiler's hidden field) — that type: where
            /// it touches a sink, a <c>new</c> of the type is a wrapper call.
            /// </summary>
            public string? RunByPrimaryOf { get; set; }

            /// <summary>For a constructor: its parameters' names.</summary>
            public string[]? Parameters { get; set; }

            /// <summary>For a method: does it write a <c>ref</c> or <c>out</c> parameter?</summary>
            public bool WritesOut { get; set; }
        }

        /// <summary>Reads every member declaration of a compilation's trees.</summary>
        public static SourceDeclarations Read(IEnumerable<SyntaxTree> trees, HashSet<string> addressLikeTypes, List<string> busTypes, CancellationToken cancellationToken)
        {
            var result = new SourceDeclarations();
            // Address-like fields by the simple name of their type (partial declarations share it).
            var fieldsByType = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var tree in trees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var text = SourceWords.TextOf(tree);
                var root = tree.GetRoot(cancellationToken);
                foreach (var node in root.DescendantNodes(n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax || n is TypeDeclarationSyntax))
                {
                    switch (node)
                    {
                        case DelegateDeclarationSyntax d:
                            result.Add(UnitKind.Value, new[] { d.Identifier.ValueText }, text, d.Span, d.Span, returnsSomething: false, typeName: null);
                            break;
                        case TypeDeclarationSyntax type:
                            result.ReadType(type, text, addressLikeTypes, busTypes, fieldsByType);
                            break;
                        case EnumDeclarationSyntax @enum when @enum.BaseList is { } baseList && baseList.Types.Count == 1
                            && addressLikeTypes.Contains(LastName(baseList.Types[0].Type)):
                            result.Constants.Add(@enum.Identifier.ValueText);
                            break;
                    }
                }
            }

            foreach (var unit in result._units)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var end = Math.Min(unit.Span.End, unit.Text.Length);
                unit.Forges = AddressCarriers.Forges(unit.Text, unit.Span.Start, end, busTypes);
                if (unit.Kind != UnitKind.Body && unit.TypeSpan.Length > 0
                    && unit.Text.IndexOf('*', unit.TypeSpan.Start, Math.Min(unit.TypeSpan.End, unit.Text.Length) - unit.TypeSpan.Start) >= 0)
                {
                    result.PointerMembers.UnionWith(unit.Names);
                }
                if (unit.TypeName is not null && fieldsByType.TryGetValue(unit.TypeName, out var fields))
                {
                    unit.WrittenFields = WrittenFields(unit.Text, unit.Span.Start, end, fields);
                    unit.OriginalWrittenFields = unit.WrittenFields;
                }
            }

            return result;
        }

        /// <summary>An auto-property (no accessor has a body) that can be assigned: <c>{ get; set; }</c>, <c>{ get; init; }</c>, <c>{ get; private set; }</c>.</summary>
        private static bool IsSettableAutoProperty(PropertyDeclarationSyntax property)
        {
            if (property.AccessorList is not { } accessors)
            {
                return false;
            }

            var settable = false;
            foreach (var accessor in accessors.Accessors)
            {
                if (accessor.Body is not null || accessor.ExpressionBody is not null)
                {
                    return false;
                }

                settable |= accessor.IsKind(SyntaxKind.SetAccessorDeclaration) || accessor.IsKind(SyntaxKind.InitAccessorDeclaration);
            }

            return settable;
        }

        /// <summary>
        /// The address-like fields of its type a member assigns: the field's name followed by an
        /// assignment operator, given by <c>ref</c> or <c>out</c>, or inside a tuple when the member deconstructs into one.
        /// </summary>
        private static List<string>? WrittenFields(string text, int start, int end, HashSet<string> fields)
        {
            List<string>? written = null;
            bool? deconstructs = null;
            foreach (var field in fields)
            {
                for (var at = SourceWords.IndexOfWord(text, field, start, end); at >= 0; at = SourceWords.IndexOfWord(text, field, at + 1, end))
                {
                    var after = at + field.Length;
                    var next = SourceWords.NextNonSpace(text, after, end, out var nextAt);
                    if (next == '[' && ClosingBracket(text, nextAt, end) is var close && close > nextAt)
                    {
                        // f[i] = v: a store into the array's elements.
                        after = close + 1;
                        next = SourceWords.NextNonSpace(text, after, end, out _);
                    }

                    // ref f, out f: given to a call that may store through it (Volatile.Write(ref f, v), Interlocked.Exchange(ref f, v)).
                    if (SourceWords.AssignmentFollows(text, after, end) || SourceWords.IsWrittenAt(text, at, field.Length)
                        || ((next == ',' || next == ')') && (deconstructs ??= HasTupleAssignment(text, start, end))))
                    {
                        (written ??= new List<string>()).Add(field);
                        break;
                    }
                }
            }

            return written;
        }

        /// <summary>The <c>]</c> that closes the <c>[</c> at <paramref name="open"/> (nested ones skipped); -1 when none before <paramref name="end"/>.</summary>
        private static int ClosingBracket(string text, int open, int end)
        {
            var depth = 0;
            for (var at = open; at < end; at++)
            {
                if (text[at] == '[')
                {
                    depth++;
                }
                else if (text[at] == ']' && --depth == 0)
                {
                    return at;
                }
            }

            return -1;
        }

        private void ReadType(TypeDeclarationSyntax type, string text, HashSet<string> addressLikeTypes, List<string> busTypes, Dictionary<string, HashSet<string>> fieldsByType)
        {
            var typeName = type.Identifier.ValueText;
            if (type.ParameterList is { } primary)
            {
                // Primary-constructor parameters are read in every member; record ones are also properties and a Deconstruct.
                foreach (var parameter in primary.Parameters)
                {
                    if (parameter.Type is { } parameterType)
                    {
                        var unit = Add(UnitKind.Value, new[] { parameter.Identifier.ValueText, typeName }, text, parameter.Span, parameterType.Span, returnsSomething: false, typeName: null);
                        unit.PrimaryOf = typeName;
                        // A member that reads it (the compiler's hidden field) and reaches a sink makes new T(…) a wrapper.
                        unit.RunByPrimaryOf = typeName;
                    }
                }

                AddForger(primary, typeName, busTypes);
                if (type.BaseList is { } bases)
                {
                    foreach (var baseType in bases.Types)
                    {
                        if (baseType is PrimaryConstructorBaseTypeSyntax baseCall)
                        {
                            // The base constructor's arguments: run by the primary constructor, they may give it what it is given.
                            Add(UnitKind.Body, Array.Empty<string>(), text, baseCall.Span, default, returnsSomething: false, typeName).RunByPrimaryOf = typeName;
                        }
                    }
                }
            }

            foreach (var member in type.Members)
            {
                switch (member)
                {
                    case MethodDeclarationSyntax method:
                        {
                            var name = method.Identifier.ValueText;
                            var names = name == "Deconstruct" || name == "GetEnumerator" ? new[] { name, typeName } : new[] { name };
                            var returnsSomething = !(method.ReturnType is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword))
                                || HasRefOrOut(method.ParameterList);
                            var signature = TextSpan.FromBounds(method.ReturnType.SpanStart, method.ParameterList.Span.End);
                            var unit = Add(UnitKind.Method, names, text, method.Span, signature, returnsSomething, typeName);
                            unit.CallName = name;
                            unit.WritesOut = HasRefOrOut(method.ParameterList);
                            AddForger(method.ParameterList, name, busTypes);
                            break;
                        }

                    case ConstructorDeclarationSyntax constructor:
                        {
                            var unit = Add(UnitKind.Body, Array.Empty<string>(), text, constructor.Span, default, returnsSomething: false, typeName);
                            unit.CallName = typeName;
                            unit.Parameters = ParameterNames(constructor.ParameterList);
                        }

                        AddForger(constructor.ParameterList, typeName, busTypes);
                        break;
                    case PropertyDeclarationSyntax property:
                        {
                            // A getter with a body is a method: it carries what it returns (=> _buffer.PhysicalAddress).
                            var unit = Add(UnitKind.Value, new[] { property.Identifier.ValueText }, text, property.Span, property.Type.Span, returnsSomething: HasGetterBody(property), typeName);
                            unit.CallName = property.Identifier.ValueText;
                            if (type.ParameterList is not null && property.Initializer is not null && !property.Modifiers.Any(SyntaxKind.StaticKeyword))
                            {
                                unit.RunByPrimaryOf = typeName;
                            }

                            if (type is ClassDeclarationSyntax && property.AccessorList is { Accessors.Count: 1 } only && only.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
                                && only.Accessors[0].Body is null && only.Accessors[0].ExpressionBody is null && addressLikeTypes.Contains(LastName(property.Type)))
                            {
                                ConstructorOnlyMembers.Add(property.Identifier.ValueText);
                            }

                            // An auto-property with a setter is a field by another name: what a member of its type
                            // assigns to it is carried, as a field's (NextAddr = buf.PhysicalAddress.Value).
                            if (IsSettableAutoProperty(property) && addressLikeTypes.Contains(LastName(property.Type)))
                            {
                                if (!fieldsByType.TryGetValue(typeName, out var written))
                                {
                                    written = new HashSet<string>(StringComparer.Ordinal);
                                    fieldsByType.Add(typeName, written);
                                }

                                written.Add(property.Identifier.ValueText);
                            }

                            break;
                        }

                    case IndexerDeclarationSyntax indexer:
                        // Read as x[i]: the type's name is what a body shows.
                        Add(UnitKind.Value, new[] { typeName }, text, indexer.Span, indexer.Type.Span, returnsSomething: false, typeName).CallName = typeName;
                        break;
                    case EventDeclarationSyntax @event:
                        Add(UnitKind.Value, new[] { @event.Identifier.ValueText }, text, @event.Span, @event.Type.Span, returnsSomething: false, typeName);
                        break;
                    case BaseFieldDeclarationSyntax field:
                        {
                            var names = new string[field.Declaration.Variables.Count];
                            for (var i = 0; i < names.Length; i++)
                            {
                                names[i] = field.Declaration.Variables[i].Identifier.ValueText;
                            }

                            // A delegate field initialised with a lambda carries what the lambda returns (AddressFlow calls it).
                            var unit = Add(UnitKind.Value, names, text, field.Span, field.Declaration.Type.Span, returnsSomething: HasLambdaInitializer(field), typeName);
                            if (type.ParameterList is not null && !field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword))
                            {
                                unit.RunByPrimaryOf = typeName;
                            }

                            if (type is ClassDeclarationSyntax && field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword) && !field.Modifiers.Any(SyntaxKind.StaticKeyword)
                                && addressLikeTypes.Contains(LastName(field.Declaration.Type)))
                            {
                                ConstructorOnlyMembers.UnionWith(names);
                            }

                            if (field.Modifiers.Any(SyntaxKind.ConstKeyword) && addressLikeTypes.Contains(LastName(field.Declaration.Type)))
                            {
                                Constants.UnionWith(names);
                            }

                            // An array of addresses is one too: its elements are the field's content.
                            var held = field.Declaration.Type is ArrayTypeSyntax array ? array.ElementType : field.Declaration.Type;
                            if (field is FieldDeclarationSyntax && (addressLikeTypes.Contains(LastName(held)) || held is PointerTypeSyntax))
                            {
                                if (!fieldsByType.TryGetValue(typeName, out var fields))
                                {
                                    fields = new HashSet<string>(StringComparer.Ordinal);
                                    fieldsByType.Add(typeName, fields);
                                }

                                fields.UnionWith(names);
                            }

                            break;
                        }

                    case BaseTypeDeclarationSyntax _:
                    case DelegateDeclarationSyntax _:
                        // Nested types and delegates are read on their own.
                        break;
                    default:
                        Add(UnitKind.Body, Array.Empty<string>(), text, member.Span, default, returnsSomething: false, typeName);
                        break;
                }
            }
        }

        /// <summary>A method, operator or conversion whose return and first parameter may hold an address (<see cref="ValuePreservingCandidatesOf"/>).</summary>
        private static bool IsValuePreservingCandidate(BaseMethodDeclarationSyntax declaration)
        {
            var returned = declaration switch
            {
                MethodDeclarationSyntax method => method.ReturnType,
                OperatorDeclarationSyntax @operator => @operator.ReturnType,
                ConversionOperatorDeclarationSyntax conversion => conversion.Type,
                _ => null,
            };
            return returned is not null && declaration.ParameterList.Parameters.Count > 0 && MayHoldAddress(returned)
                && (declaration.ParameterList.Parameters[0].Type is not { } first || MayHoldAddress(first));
        }

        /// <summary>
        /// Can a value of this declared type be an address (an address-sized integer, a pointer, an address or device-memory
        /// type)? No for the predefined types narrower than an address or not integers, arrays and tuples; yes for any other
        /// name (an alias or a configured type cannot be told by its syntax). <c>ref T</c> and <c>T?</c> are <c>T</c>'s.
        /// </summary>
        internal static bool MayHoldAddress(TypeSyntax type)
        {
            switch (type)
            {
                case RefTypeSyntax reference:
                    return MayHoldAddress(reference.Type);
                case NullableTypeSyntax nullable:
                    // T? of a reference type is T itself (a configured address class); of a struct, Nullable<T>, which is not.
                    return MayHoldAddress(nullable.ElementType);
                case PredefinedTypeSyntax predefined:
                    return predefined.Keyword.IsKind(SyntaxKind.ULongKeyword) || predefined.Keyword.IsKind(SyntaxKind.LongKeyword) || predefined.Keyword.IsKind(SyntaxKind.UIntKeyword);
                case ArrayTypeSyntax _:
                case TupleTypeSyntax _:
                    return false;
                default:
                    return true;
            }
        }

        private static string[] ParameterNames(ParameterListSyntax parameters)
        {
            var names = new string[parameters.Parameters.Count];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = parameters.Parameters[i].Identifier.ValueText;
            }

            return names;
        }

        private static bool HasLambdaInitializer(BaseFieldDeclarationSyntax field)
        {
            foreach (var variable in field.Declaration.Variables)
            {
                if (variable.Initializer?.Value is AnonymousFunctionExpressionSyntax)
                {
                    return true;
                }
            }

            return false;
        }

        private Unit Add(UnitKind kind, string[] names, string text, TextSpan span, TextSpan typeSpan, bool returnsSomething, string? typeName)
        {
            var unit = new Unit(kind, names, text, span, typeSpan, returnsSomething, typeName);
            _units.Add(unit);
            return unit;
        }

        /// <summary>
        /// Adds the call names of every member whose text names a sink (a wrapper: a method, setter,
        /// indexer or constructor that may give a parameter to one), until nothing more is added. A
        /// superset of what <see cref="Flow.AddressSummaries.SinkOf"/> finds, by words only: a project
        /// that names no sink adds nothing.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public void PropagateSinks(HashSet<string> sinks, CancellationToken cancellationToken)
        {
            // Fields and properties a sink-naming body names carry what is stored into them there.
            var carried = new HashSet<string>(StringComparer.Ordinal);
            foreach (var unit in _units)
            {
                if (unit.Kind == UnitKind.Value)
                {
                    carried.UnionWith(unit.Names);
                }
            }

            var carriedWords = new WordSet(carried);
            var pending = new List<string>(sinks);
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var added = new List<string>();
                var pendingWords = new WordSet(pending);
                foreach (var unit in _units)
                {
                    if (unit.SinkDone || (unit.CallName is null && unit.RunByPrimaryOf is null))
                    {
                        continue;
                    }

                    var end = Math.Min(unit.Span.End, unit.Text.Length);
                    if (pendingWords.AnyIn(unit.Text, unit.Span.Start, end))
                    {
                        unit.SinkDone = true;
                        if (unit.CallName is { } call)
                        {
                            AddAll(new[] { call }, sinks, added);
                        }

                        if (unit.RunByPrimaryOf is { } primary)
                        {
                            // What the primary constructor runs or keeps makes new T(…) a wrapper too.
                            AddAll(new[] { primary }, sinks, added);
                        }

                        if (unit.Kind != UnitKind.Value)
                        {
                            AddAll(carriedWords.WordsIn(unit.Text, unit.Span.Start, end), sinks, added);
                        }
                    }
                }

                pending = added;
            }
        }

        /// <summary>
        /// The names of the members that may hold or return a physical address or device memory, by words only,
        /// until nothing more is added: a superset of what <see cref="Flow.AddressSummaries.HeldBy"/> and
        /// <see cref="Flow.AddressSummaries.ReturnsOf"/> can find, so that the summary generator asks only these
        /// (<see cref="ContentFlow"/> says how a declaration's text is read).
        /// </summary>
        /// <param name="seeds">Where such a value starts: physical sources and types, device memory members and types.</param>
        /// <param name="pointers">Are pointers physical addresses (an identity-mapped platform): then a <c>*</c> starts one too.</param>
        /// <param name="freshReads">Members whose value is a fresh bus address whatever their receiver (<see cref="BusMembers"/>).</param>
        [MethodImpl(Jit.Optimized)]
        public HashSet<string> ContentNames(IEnumerable<string> seeds, bool pointers, HashSet<string>? freshReads, CancellationToken cancellationToken)
        {
            var names = new HashSet<string>(seeds, StringComparer.Ordinal);
            var held = new HashSet<string>(StringComparer.Ordinal);
            var constructors = new Dictionary<string, List<Unit>>(StringComparer.Ordinal);
            var primaries = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var unit in _units)
            {
                if (unit.PrimaryOf is { } owner)
                {
                    if (!primaries.TryGetValue(owner, out var list))
                    {
                        primaries[owner] = list = new List<string>();
                    }

                    list.Add(unit.Names[0]);
                }
                else if (unit.Kind == UnitKind.Value && unit.TypeName is not null)
                {
                    held.UnionWith(unit.Names);
                }
                else if (unit.Kind == UnitKind.Body && unit.TypeName is { } constructed && unit.CallName == constructed)
                {
                    if (!constructors.TryGetValue(constructed, out var list))
                    {
                        constructors[constructed] = list = new List<Unit>();
                    }

                    list.Add(unit);
                }
            }

            var types = new HashSet<string>(constructors.Keys, StringComparer.Ordinal);
            types.UnionWith(primaries.Keys);
            var flow = new ContentFlow(names, held, types, pointers, freshReads);
            var created = new HashSet<string>(StringComparer.Ordinal);
            var pending = new List<string>(names);
            var first = true;
            while (pending.Count > 0 || first)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pendingWords = new WordSet(pending);
                foreach (var unit in _units)
                {
                    var end = Math.Min(unit.Span.End, unit.Text.Length);
                    if (unit.Span.Start >= end
                        || !((first && pointers && unit.Text.IndexOf('*', unit.Span.Start, end - unit.Span.Start) >= 0)
                             || pendingWords.AnyIn(unit.Text, unit.Span.Start, end)))
                    {
                        continue;
                    }

                    var result = flow.Read(unit.Text, unit.Span.Start, end, unit.Parameters is not null && unit.CallName is { } own && created.Contains(own) ? unit.Parameters : null);
                    if (result.Returns || (unit.Kind == UnitKind.Method && unit.WritesOut && result.Any) || (unit.Kind == UnitKind.Value && TypeNames(unit, names)))
                    {
                        if (unit.Kind != UnitKind.Body)
                        {
                            AddAll(unit.Names, flow);
                        }
                        else if (unit.CallName is null && unit.TypeName is { } operatorType)
                        {
                            // An operator or a conversion: no call shows its name, a use shows its type.
                            flow.Add(operatorType);
                        }
                    }

                    foreach (var type in result.Created)
                    {
                        if (!created.Add(type))
                        {
                            continue;
                        }

                        // A type created with such an argument: its constructors' parameters carry it into what they store.
                        if (primaries.TryGetValue(type, out var parameters))
                        {
                            AddAll(parameters, flow);
                        }

                        if (constructors.TryGetValue(type, out var typeConstructors))
                        {
                            foreach (var constructor in typeConstructors)
                            {
                                flow.Read(constructor.Text, constructor.Span.Start, Math.Min(constructor.Span.End, constructor.Text.Length), constructor.Parameters);
                            }
                        }
                    }
                }

                first = false;
                pending = flow.TakeAdded();
            }

            return names;
        }

        /// <summary>
        /// The names of the fields, properties and methods whose value may reach a device-visible sink, and (in
        /// <paramref name="sinks"/>, grown) the call names of the members that may give one a parameter, by words
        /// only, until nothing more is added: a superset of what <see cref="Flow.AddressSummaries.SinkOf(Microsoft.CodeAnalysis.IFieldSymbol)"/>
        /// and <see cref="Flow.AddressSummaries.SinkOf(Microsoft.CodeAnalysis.IMethodSymbol, int, ulong, Microsoft.CodeAnalysis.IFieldSymbol?)"/>
        /// can find, so that the summary generator asks only these (<see cref="SinkFlow"/> says how a declaration is read).
        /// </summary>
        /// <param name="sinks">The sinks a device reads (bus sinks, device memory and what holds it, store helpers); not unmap or sync.</param>
        /// <param name="device">Those of the sinks that are device memory (a store through one is a sink, a new value for one is not).</param>
        /// <param name="fresh">The calls whose value is fresh (<see cref="SinkFlow"/>): assigned, they bind nothing.</param>
        /// <param name="freshReads">Members whose value is a fresh bus address whatever their receiver (<see cref="BusMembers"/>).</param>
        [MethodImpl(Jit.Optimized)]
        public HashSet<string> SinkBoundNames(HashSet<string> sinks, HashSet<string> device, HashSet<string> fresh, HashSet<string>? freshReads, CancellationToken cancellationToken)
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            var primaryParameters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var unit in _units)
            {
                if (unit.PrimaryOf is null && unit.TypeName is not null && unit.Kind != UnitKind.Body)
                {
                    named.UnionWith(unit.Names);
                }
                else if (unit.PrimaryOf is { } owner)
                {
                    if (!primaryParameters.TryGetValue(owner, out var parameters))
                    {
                        primaryParameters.Add(owner, parameters = new List<string>());
                    }

                    parameters.Add(unit.Names[0]);
                }
            }

            var bound = new HashSet<string>(StringComparer.Ordinal);
            var flow = new SinkFlow(sinks, bound, named, device, fresh, freshReads);
            var pending = new List<string>(sinks);
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pendingWords = new WordSet(pending);
                foreach (var unit in _units)
                {
                    var end = Math.Min(unit.Span.End, unit.Text.Length);
                    if (unit.Span.Start >= end || !pendingWords.AnyIn(unit.Text, unit.Span.Start, end))
                    {
                        continue;
                    }

                    // A method that returns nothing (void, no ref or out parameter) gives nothing back through its returns.
                    var returnsBound = unit.Kind != UnitKind.Body && (unit.Kind != UnitKind.Method || unit.ReturnsSomething) && Array.Exists(unit.Names, bound.Contains);
                    if (flow.Read(unit.Text, unit.Span.Start, end, returnsBound))
                    {
                        // A wrapper: a call of it may give a sink what it is given. An operator is shown by its type.
                        if (unit.CallName is { } call)
                        {
                            flow.AddSink(call);
                        }
                        else if (unit.Kind == UnitKind.Body && unit.TypeName is { } operatorType)
                        {
                            flow.AddSink(operatorType);
                        }

                        // An initializer the primary constructor runs, or a member that reads one of its parameters (kept by the
                        // compiler in a hidden field): new T(…) may give the sink what it is given.
                        if (unit.RunByPrimaryOf is { } primary)
                        {
                            flow.AddSink(primary);
                        }
                        else if (unit.TypeName is { } type && primaryParameters.TryGetValue(type, out var parameters)
                            && parameters.Exists(parameter => SourceWords.IndexOfWord(unit.Text, parameter, unit.Span.Start, end) >= 0))
                        {
                            flow.AddSink(type);
                        }
                    }
                }

                pending = flow.TakeAdded();
            }

            return bound;
        }

        /// <summary>Does the declared type of a field, property or event name a content name (a <c>PhysAddr</c> field)?</summary>
        private static bool TypeNames(Unit unit, HashSet<string> names)
        {
            var end = Math.Min(unit.TypeSpan.End, unit.Text.Length);
            return unit.TypeSpan.Start < end && SourceWords.WordsIn(unit.Text, unit.TypeSpan.Start, end, names).Count > 0;
        }

        private static void AddAll(IEnumerable<string> names, ContentFlow flow)
        {
            foreach (var name in names)
            {
                flow.Add(name);
            }
        }

        /// <summary>A DmaAddr parameter with a default: callers that omit it pass default(DmaAddr) without spelling it.</summary>
        private void AddForger(BaseParameterListSyntax parameters, string name, List<string> busTypes)
        {
            foreach (var parameter in parameters.Parameters)
            {
                if (parameter.Type is { } type && busTypes.Contains(LastName(type))
                    && (parameter.Default is not null || parameter.AttributeLists.Count > 0))
                {
                    Forgers.Add(name);
                }
            }
        }

        private static bool HasGetterBody(PropertyDeclarationSyntax property)
        {
            if (property.ExpressionBody is not null)
            {
                return true;
            }

            if (property.AccessorList is { } accessors)
            {
                foreach (var accessor in accessors.Accessors)
                {
                    if (accessor.IsKind(SyntaxKind.GetAccessorDeclaration) && (accessor.Body is not null || accessor.ExpressionBody is not null))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool HasRefOrOut(ParameterListSyntax parameters)
        {
            foreach (var parameter in parameters.Parameters)
            {
                foreach (var modifier in parameter.Modifiers)
                {
                    if (modifier.IsKind(SyntaxKind.RefKeyword) || modifier.IsKind(SyntaxKind.OutKeyword))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Is there a <c>(…) =</c> in [start, end) (a deconstructing assignment)?</summary>
        private static bool HasTupleAssignment(string text, int start, int end)
        {
            for (var at = text.IndexOf(')', start, end - start); at >= 0; at = at + 1 < end ? text.IndexOf(')', at + 1, end - at - 1) : -1)
            {
                if (SourceWords.AssignmentFollows(text, at + 1, end))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Adds the names of every member that can carry an address, until nothing more is added.
        /// Each round looks only for the names the previous round added.
        /// </summary>
        /// <param name="forgeriesCarry">
        /// Does a member that makes a bus address (<c>default</c>, <c>new(</c>) carry too? It does for
        /// physical and forged addresses; device memory is never made that way.
        /// </param>
        [MethodImpl(Jit.Optimized)] // one call, but a loop over every declaration: unoptimised, the JIT replaced it mid-loop (on-stack replacement)
        public void Propagate(HashSet<string> carriers, bool forgeriesCarry, CancellationToken cancellationToken)
        {
            // At least one round, even with no carrier to start from: a member that forges a bus
            // address (returns default) carries it without mentioning any other carrier.
            var pending = new List<string>(carriers);
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var added = new List<string>();
                var pendingWords = new WordSet(pending);
                foreach (var unit in _units)
                {
                    if ((unit.Done || unit.Kind == UnitKind.Body) && unit.WrittenFields is null)
                    {
                        continue;
                    }

                    var end = Math.Min(unit.Span.End, unit.Text.Length);
                    unit.MentionsCarrier = unit.MentionsCarrier || pendingWords.AnyIn(unit.Text, unit.Span.Start, end);
                    unit.TypeMentionsCarrier = unit.TypeMentionsCarrier
                        || (unit.Kind != UnitKind.Body && pendingWords.AnyIn(unit.Text, unit.TypeSpan.Start, Math.Min(unit.TypeSpan.End, unit.Text.Length)));
                    var forges = forgeriesCarry && unit.Forges;
                    if (!unit.Done && Carries(unit, forges))
                    {
                        unit.Done = true;
                        AddAll(unit.Names, carriers, added);
                    }

                    if (unit.WrittenFields is { } written && (forges || unit.MentionsCarrier))
                    {
                        unit.WrittenFields = null;
                        AddAll(written, carriers, added);
                    }
                }

                pending = added;
            }
            while (pending.Count > 0);
        }

        /// <summary>Forgets a propagation, so that another set of names can be propagated over the same declarations.</summary>
        public void ResetPropagation()
        {
            foreach (var unit in _units)
            {
                unit.Done = false;
                unit.MentionsCarrier = false;
                unit.TypeMentionsCarrier = false;
                unit.WrittenFields = unit.OriginalWrittenFields;
            }
        }

        /// <summary>
        /// Which of the names are used in the source: in a member's text other than as that member's
        /// own name in its declaration. A member declared but never used puts nothing in reach.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public HashSet<string> UsedNames(IReadOnlyCollection<string> names)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            var list = new List<string>(names);
            foreach (var unit in _units)
            {
                if (used.Count == list.Count)
                {
                    break;
                }

                var end = Math.Min(unit.Span.End, unit.Text.Length);
                for (var i = 0; i < list.Count; i++)
                {
                    var name = list[i];
                    if (used.Contains(name))
                    {
                        continue;
                    }

                    var at = SourceWords.IndexOfWord(unit.Text, name, unit.Span.Start, end);
                    if (at >= 0 && (!IsOwnName(unit, name) || SourceWords.IndexOfWord(unit.Text, name, at + 1, end) >= 0))
                    {
                        used.Add(name);
                    }
                }
            }

            return used;
        }

        /// <summary>Does the source declare a member (or, for a constructor or indexer, a type) of this name?</summary>
        public bool Declares(string name)
        {
            foreach (var unit in _units)
            {
                if (IsOwnName(unit, name))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsOwnName(Unit unit, string name) => name == unit.CallName || Array.IndexOf(unit.Names, name) >= 0;

        // Text that stores through an address: a pointer dereference or member, the framework's store calls.
        private static readonly string[] StoreMarkers = { "*(", "->", "Unsafe.Write", "Marshal.Write", "Volatile.Write", "Interlocked.Exchange", "BinaryPrimitives.Write", "MemoryMarshal.Write", "BitConverter.TryWriteBytes" };

        /// <summary>
        /// Call names of members that may store through an address they are given: their text stores
        /// through a pointer (or calls one of the framework's store methods), or their signature takes
        /// a pointer or a span. A caller that gives one device memory makes the store device-visible.
        /// </summary>
        public IEnumerable<string> StoreHelpers()
        {
            foreach (var unit in _units)
            {
                if (unit.CallName is null)
                {
                    continue;
                }

                var end = Math.Min(unit.Span.End, unit.Text.Length);
                var typeEnd = Math.Min(unit.TypeSpan.End, unit.Text.Length);
                var stores = false;
                foreach (var marker in StoreMarkers)
                {
                    if (unit.Text.IndexOf(marker, unit.Span.Start, end - unit.Span.Start, StringComparison.Ordinal) >= 0)
                    {
                        stores = true;
                        break;
                    }
                }

                if (stores || (unit.TypeSpan.Length > 0 && typeEnd > unit.TypeSpan.Start
                    && (unit.Text.IndexOf('*', unit.TypeSpan.Start, typeEnd - unit.TypeSpan.Start) >= 0
                        || TakesWritableSpan(unit.Text, unit.TypeSpan.Start, typeEnd))))
                {
                    yield return unit.CallName;
                }
            }
        }

        /// <summary>Does [start, end) name a <c>Span&lt;</c> that is not a <c>ReadOnlySpan&lt;</c> (nothing is stored through one)?</summary>
        private static bool TakesWritableSpan(string text, int start, int end)
        {
            for (var at = text.IndexOf("Span<", start, end - start, StringComparison.Ordinal); at >= 0;
                 at = at + 1 < end ? text.IndexOf("Span<", at + 1, end - at - 1, StringComparison.Ordinal) : -1)
            {
                if (at < 8 || string.CompareOrdinal(text, at - 8, "ReadOnly", 0, 8) != 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static void AddAll(IEnumerable<string> names, HashSet<string> carriers, List<string> added)
        {
            foreach (var name in names)
            {
                if (carriers.Add(name))
                {
                    added.Add(name);
                }
            }
        }

        private static bool Carries(Unit unit, bool forges)
        {
            switch (unit.Kind)
            {
                case UnitKind.Method:
                    return (forges || unit.MentionsCarrier) && (unit.ReturnsSomething || unit.TypeMentionsCarrier);
                case UnitKind.Value:
                    // A property whose getter has a body (ReturnsSomething) carries what that body mentions.
                    return unit.TypeMentionsCarrier || (unit.ReturnsSomething && (forges || unit.MentionsCarrier));
                default:
                    return false;
            }
        }

        /// <summary>
        /// <see cref="LastName(string)"/> read from the syntax, without printing it: declarations are
        /// read for every member of the compilation.
        /// </summary>
        public static string LastName(TypeSyntax type)
        {
            switch (type)
            {
                case NullableTypeSyntax nullable:
                    return LastName(nullable.ElementType);
                case QualifiedNameSyntax qualified:
                    return qualified.Right.Identifier.ValueText;
                case AliasQualifiedNameSyntax alias:
                    return alias.Name.Identifier.ValueText;
                case SimpleNameSyntax simple:
                    return simple.Identifier.ValueText;
                case PredefinedTypeSyntax predefined:
                    return predefined.Keyword.ValueText;
                default:
                    // Arrays, pointers, tuples, function pointers: rare in a declaration that matters.
                    return LastName(type.ToString());
            }
        }

        /// <summary>The simple name a type is written with: <c>global::System.UInt64?</c> → <c>UInt64</c>.</summary>
        public static string LastName(string typeText)
        {
            var text = typeText.Trim().TrimEnd('?');
            var generic = text.IndexOf('<');
            if (generic >= 0)
            {
                text = text.Substring(0, generic);
            }

            var dot = Math.Max(text.LastIndexOf('.'), text.LastIndexOf(':'));
            return dot >= 0 ? text.Substring(dot + 1).Trim() : text;
        }
    }
}
