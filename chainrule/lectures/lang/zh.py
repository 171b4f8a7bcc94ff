"""简体中文：课程页面与命令行的文字。键名见 ``chainrule/lectures/lang/__init__.py``；术语依李宏毅课程，
第一次出现时附英文。"""

TEXT = {
    # lectures
    "lecture.regression": "第 1 讲 — 回归（Regression）：用梯度下降（gradient descent）找出一个函数",
    "lecture.classification": "第 2 讲 — 分类（Classification）：生成模型与逻辑回归（logistic regression）",
    "lecture.training": "第 3 讲 — 训练的技巧：临界点（critical point）、批次（batch）、优化器（optimizer）、过拟合（overfitting）",
    # questions
    "regression.linear_views.question": "用过去 7 天预测明天的观看人数，会比只看昨天更准吗？",
    "regression.error_surface.question": "学习率（learning rate）η 如何改变梯度下降在误差曲面（error surface）L(w, b) 上走的路径？",
    "regression.sigmoid_sum.question": "一堆 sigmoid（或成对的 ReLU）加起来能逼近一条曲线吗？片段越多、层数越多，拟合得越好吗？",
    "regression.overfitting.question": "模型越来越复杂（1 到 5 次多项式）时，训练误差与测试误差会怎样变化？",
    "regression.hidden_factor.question": "数据里藏着一个类别（宝可梦的物种）时，用指示特征把类别告诉模型，会胜过一个模型通吃吗？",
    "regression.regularization.question": "惩罚大的权重（λΣw²，偏置不惩罚）能让 5 次多项式泛化得更好吗？λ 在权衡什么？",
    "regression.normal_equations.question": "梯度下降会走到与最小二乘闭式解相同的权重吗？",
    "regression.feature_scaling.question": "为什么要把特征标准化（feature scaling）？两种版本各需要多少步梯度下降？",
    "classification.shared_covariance.question": "高斯生成式分类器：两个类别共享同一个协方差矩阵 Σ 时，会有什么改变？",
    "classification.naive_bayes.question": "假设特征彼此独立（对角的 Σ：朴素贝叶斯 naive Bayes）有什么代价、又有什么好处？",
    "classification.ce_vs_square.question": "逻辑回归为什么用交叉熵（cross-entropy），而不用平方误差？",
    "classification.generative_vs_discriminative.question": "生成式（高斯朴素贝叶斯）还是判别式（逻辑回归）：数据少时谁赢？数据多时谁赢？",
    "classification.softmax_regression.question": "多类别分类：softmax 回归在鸢尾花数据上表现如何？两类的 softmax 是不是就是 sigmoid？",
    "classification.xor.question": "逻辑回归学得会 XOR 吗？要怎么补救？",
    "classification.perceptron_hinge.question": "“理想”的损失是数错几个（0-1 loss），但它没有梯度。感知机与 hinge loss（SVM）如何代替它？",
    "training.critical_points.question": "梯度为零时，是局部最小值（local minima）还是鞍点（saddle point）？我们能逃离鞍点吗？",
    "training.batch_size.question": "小批次还是大批次：哪个每个 epoch 更快？哪个泛化得更好？",
    "training.momentum_plateau.question": "动量（momentum）能带着参数越过梯度几乎为零的平原吗？",
    "training.optimizers.question": "在病态（ill-conditioned）的误差曲面上，SGD、动量、Adagrad、RMSProp 与 Adam 各自怎么走？",
    "training.lr_schedule.question": "先预热（warmup）再衰减（decay）学习率，会胜过一直用大的固定学习率吗？",
    "training.batchnorm.question": "批次归一化（batch normalization）能让深的 sigmoid 网络更好训练吗？",
    "training.robust_losses.question": "数据有离群值时，MSE、MAE、Huber 损失（以及梯度裁剪）各自如何拟合一条直线？",
    "training.overfitting_remedies.question": "只用 150 张数字图片训练时，哪种对抗过拟合的方法最有效？",
    "training.cross_validation.question": "N 折交叉验证（cross validation）：不偷看测试集，该选几次的多项式？",
    "training.fat_or_tall.question": "参数一样多时，高（深）的网络能表示矮胖（浅）的网络表示不了的函数吗？",
    "training.model_bias_vs_optimization.question": "更深的普通网络函数集合更大——那为什么它的*训练*损失反而可能更高？",
    "training.hoeffding.question": "训练集误导我们（存在 h 使 |L_train(h) − L_all(h)| > ε）的机率有多大？Hoeffding 上界 |H|·2exp(−2Nε²) 成立吗？",
    "training.data_parallel.question": "把一个批次分给多个进程（数据并行 data parallelism）：训练出的模型一样吗？平均梯度要花多少时间？能扩展到多少台机器？",
    # pages
    "page.question": "问题",
    "page.answer": "回答",
    "page.notes": "笔记中的公式",
    "page.figures": "图",
    "page.numbers": "数字",
    "page.settings": "设定",
    "page.open_full": "点击查看原图",
    "page.made_by": "由 chainrule 生成",
    "page.answer_language_note": "（这个实验的回答句子还没有中文版，暂以英文显示。）",
    "tour.title": "chainrule 导览：每一讲一个问题",
    # headlines of the tour's experiments (the numbers come from the run)
    "list.sep": "，",
    "list.and": "与",
    "sentence.end": "。",
    "verdict.rate": "η = {lr} {verdict}",
    "verdict.crawls": "爬得很慢",
    "verdict.converges": "收敛",
    "verdict.oscillates across the valley": "在山谷两侧来回震荡",
    "verdict.diverges": "发散",
    "verdict.crawl_detail": "（{steps} 步后 L = {loss:.3f}）",
    "regression.error_surface.headline": "在这个狭长的山谷上（2/λ = {lim:.2f}）：{parts}；最小值为 L = {minimum:.3f}。",
    "regression.overfitting.headline": "训练误差从 {tr1:.2f}（1 次）降到 {trn:.2f}（{n} 次），但测试误差在 {best} 次时"
                                       "最低（{tb:.2f}），到 {n} 次升到 {tn:.2f}：过拟合（overfitting）。",
    "regression.overfitting.headline_none": "训练误差从 {tr1:.2f}（1 次）降到 {trn:.2f}（{n} 次），测试误差在最高的 "
                                            "{n} 次最低（{tn:.2f}）：这些次数之内没有过拟合（这次没有）。",
    "classification.xor.headline": "没有一条直线能分开 XOR：最好的直线也只分对 {best:.2f} 的点。逻辑回归连这条线都找不到："
                                   "最小化交叉熵时它两边下注（每个机率都在 0.5 ± {hedge:.2f} 之内），所以它的线落在哪里"
                                   "都说不定（这次是 {logistic:.2f}）。把特征转换之后，一条直线就能达到 {transformed:.2f}；"
                                   "一层 4 个单元的隐藏层能自己学出这样的特征：{hidden:.2f}。",
    "classification.shared_covariance.headline": "共享的 Σ 让边界变成直线（它的后验机率与 σ(w·x + b) 相差不到 {gap:.0e}）。"
                                                 "每类 {n} 个点时，各自的协方差得到 {sep:.3f}，共享的得到 {shared:.3f}。",
    "classification.shared_covariance.wins": "数据少时共享的 Σ 赢——每类 {small} 个点：{a:.3f} 对 {b:.3f}{upto}——因为它"
                                             "只需估计 3 个协方差数字而不是 6 个：参数少，较不易过拟合。",
    "classification.shared_covariance.upto": "，每类 {m} 个点时仍然赢",
    "classification.shared_covariance.no_win": "这次在任何训练量下共享的 Σ 都没有胜出。",
    "training.critical_points.headline": "θ = 0 时梯度为 {grad:.1e}，Hessian 最小的特征值为 {ev0:.3f} < 0：这是鞍点"
                                         "（saddle point）。沿它的特征向量走一步，损失从 {loss0:.4f} 降到 {escaped:.4f}。"
                                         "{runs} 次训练中有 {reached} 次停在临界点（‖g‖ < {tol:.0e}，先梯度下降再用"
                                         "牛顿法）：{nmin} 个局部最小值（没有负的特征值）、{nsad} 个鞍点（有负的）",
    "training.critical_points.not_converged": "；{n} 次没有收敛",
    "training.optimizers.headline": "{steps} 步之后：{parts}",
    "training.optimizers.diverged": "；{names} 在 η = {lr} 时发散（山谷陡峭的一侧把它甩了出去）",
    "training.optimizers.adam_wins": "；Adam 比普通 SGD 低 {ratio:.0f} 倍",
    "training.optimizers.adam_loses": "；这次 Adam 没有赢过普通 SGD",
    "training.data_parallel.headline": "同样的全局批次 {b}：1 个进程每个 epoch {t1:.2f} 秒（测试准确率 {a1:.3f}），{n} 个进程 "
                                       "{tn:.2f} 秒（{an:.3f}）。第一步之后两者的权重只差 {gap1:.0e}（相对），是换了加总顺序"
                                       "造成的浮点舍入（训练 {epochs} 个 epoch 后：{gap:.0e}）——把批次拆开只是换了计算的地方，"
                                       "结果不变。两次运行共用这台机器的核心（1 个进程 × {th1} 个线程，{n} 个进程 × {thn}）；"
                                       "等待 all-reduce 占了 {n} 进程每个 epoch 的 {share:.0%}。估计 8 / 64 / 512 个进程时的效率"
                                       "（{bw} Gbit/s，{lat} µs）：W2 {w8:.0%} / {w64:.0%} / {w512:.0%}，ResNet-18 "
                                       "{r8:.0%} / {r64:.0%} / {r512:.0%}。",
    "training.data_parallel.one_rank": "1 个进程",
    "training.data_parallel.n_ranks": "{n} 个进程",
    "training.data_parallel.compute": "前向 + 反向 + 更新",
    "training.data_parallel.allreduce": "等待 all-reduce",
    "training.data_parallel.time_title": "每个 epoch 的时间，全局批次 {b}",
    "training.data_parallel.seconds": "秒",
    "training.data_parallel.loss_title": "训练损失：两次运行落在同一条曲线上",
    "training.data_parallel.scale_title": "估计的效率：每个进程 {b} 个样本，{bw} Gbit/s，{lat} µs",
    "training.data_parallel.ranks": "进程数 p",
    "training.data_parallel.efficiency": "吞吐量 / (p × 单个进程)",
    # command line
    "cli.tour_more": "chainrule run tour   — 横跨各讲的简短导览",
    "cli.settings": "设定（括号内为类型与范围，等号后为默认值）：",
    "cli.tour_open": "打开 {page}（它链接到每个实验的页面）",
    # Lecture 7 — self-attention
    "lecture.attention": "第 7 讲 — 自注意力（self-attention）：向量集合、q·k·v、多头、位置、遮罩（mask）、高效变体",
    "attention.vector_set.question": "“I saw a saw”：当一个词的标签取决于远处的词时，网络能为句子的每个词标注吗？一次看一个词、看一个窗口，还是用自注意力？",
    "attention.multi_head.question": "为什么要多个头（head）？不同的头各自注意什么？",
    "attention.positional_encoding.question": "自注意力本身不知道顺序——位置编码（positional encoding）补上了什么？",
    "attention.masks.question": "因果遮罩（causal mask）与填充遮罩（padding mask）保证了什么？",
    "attention.efficient.question": "注意力矩阵是 L × L：高效的变体省下了什么，又失去了什么？",
    "attention.vs_rnn.question": "自注意力还是 RNN：谁记得更远？长序列上谁更快？",
    "attention.majority": "多数类",
    "attention.cnn_vs_attention.question": "CNN 是限制在邻域里的自注意力：这个限制什么时候有帮助，什么时候有害？",
    "attention.cnn_vs_attention.headline": "局部规则（“0 1 出现过吗？”）：{s} 个样本时 CNN {c0:.2f}、自注意力 {a0:.2f}；{b} 个样本时 "
                                           "{c1:.2f} 与 {a1:.2f}。两个远处位置之间的规则：即使有 {b} 个样本，CNN 仍停在 {cl:.2f}"
                                           "（它的感受野够不到），自注意力达到 {al:.2f}。",
    "attention.dot_vs_additive.question": "点积（dot-product）还是加性（additive）注意力分数：两者都学得会吗？各自的代价是什么？",
    "attention.dot_vs_additive.headline": "两种分数都学会了这个任务（点积 {a:.2f}，加性 {b:.2f}）。L = {L} 时，加性版本一次训练步需要 "
                                          "{m:.1f} 倍的内存（{mb:.1f} 对 {ma:.1f} MiB）和 {t:.1f} 倍的时间：它保存一个 L × L × d 的张量，"
                                          "点积只需要 L × L。",
    "attention.vector_set.headline": "标注“这个词之前出现过吗？”：一次只看一个词 {fc:.2f}（多数类是 {maj:.2f}），±1 窗口 {win:.2f}，"
                                     "自注意力 {att:.2f}。在图中的句子里，重复出现的词把 {copy:.0%} 的注意力放在前面那个相同的词上。",
    "attention.multi_head.one_head": "目标：(前一个数字 − 再前一个数字) mod {v}。单头的准确率 {a1:.2f}，靠的是把注意力分成 "
                                     "{o1:.2f} / {t1:.2f} 给两个位置。",
    "attention.multi_head.divided": "双头（准确率 {a2:.2f}）时，第 {h1} 个头把 {p1:.2f} 的注意力放在前一步，第 {h2} 个头把 "
                                    "{p2:.2f} 放在前两步：每个头各看一件事。",
    "attention.multi_head.not_divided": "双头（准确率 {a2:.2f}）这次没有分工（前一步：{o:.2f} 与 {o2:.2f}；前两步：{t:.2f} 与 {t2:.2f}）。",
    "attention.positional_encoding.headline": "“重复前一个词”：没有位置 {n:.2f}（打乱输入只会打乱输出：还原顺序后最大差 {g:.1e}），"
                                              "正弦位置编码 {s:.2f}，可学习的位置编码 {l:.2f}。",
    "attention.masks.headline": "改变输入的后半段：有因果遮罩时，前面位置的输出只变了 {c0:.1e}，没有遮罩时变了 {c1:.2f}；"
                                "改变填充（padding）的内容：有填充遮罩时，真实位置的输出只变了 {p0:.1e}，没有遮罩时变了 {p1:.2f}。",
    "attention.efficient.headline": "L 从 {a} 到 {b}：完整注意力的内存按 L^{gf:.1f} 增长，局部（local）注意力按 L^{gl:.1f}，线性注意力按 "
                                    "L^{gn:.1f}；L = {b} 时完整注意力需要 {mf:.1f} MiB，局部只要 {ml:.1f} MiB。但在窗口之外，局部注意力在"
                                    "“与第一个 token 相同吗？”上只有 {al:.2f}；加一个全局（global）token 就回到 {ag:.2f}（完整 {af:.2f}，线性 {an:.2f}）。",
    "attention.vs_rnn.headline": "最后一个 token 与第一个相同吗？长度 {s} 时 RNN {r0:.2f}、注意力 {a0:.2f}；长度 {l} 时 RNN {r1:.2f}、"
                                 "注意力 {a1:.2f}。长度 {tl} 时一次前向 + 反向传播，RNN 要 {rt:.0f} ms（{tl} 步依次进行），注意力 {at:.0f} ms。",
    # Lecture 8 — Transformer
    "lecture.transformer": "第 8 讲 — Transformer：编码器–解码器、解码、曝光偏差（exposure bias）、非自回归（NAT）",
    "transformer.translation.question": "玩具翻译——英文数字词翻成阿拉伯数字：束搜索（beam search）能找到贪心解码（greedy）错过的什么？",
    "transformer.exposure_bias.question": "曝光偏差：只在正确输入上训练的解码器，犯了第一个错之后会怎样？计划采样（scheduled sampling）或故意给它看错误的输入有帮助吗？",
    "transformer.nat_vs_at.question": "自回归还是非自回归解码：一次预测所有 token 快多少？代价是什么？",
    "transformer.speaker_id.question": "语者辨识作业：Transformer 编码器能分类长短不一的帧序列吗？为什么需要填充遮罩？",
    "transformer.translation.headline": "在 {n} 个没见过的数字上，数字词 → 阿拉伯数字：贪心解码 {g:.2f}，束搜索 {b:.2f} 完全正确。",
    "transformer.translation.better": "有 {better} 个数字，束搜索找到了模型认为比贪心结果更可能的输出（更不可能的有 {worse} 个）。",
    "transformer.translation.same": "这次束搜索没有找到比贪心结果更可能的输出：模型对每个下一个数字都很确定。",
    "transformer.exposure_bias.headline": "输入里有一个错误数字之后，接下来的数字正确的比例：教师强制（teacher forcing）{tf:.2f}，计划采样 {ss:.2f}，"
                                          "用带噪声的输入训练 {nz:.2f}（输入都正确时三者中最低的是 {c:.2f}）。",
    "transformer.exposure_bias.ss_same": "计划采样几乎没有改变什么：模型自己的预测本来就是对的，所以它从没见过错误；故意给它看错误的输入才有效。",
    "transformer.exposure_bias.ss_diff": "计划采样让恢复率变化了 {d:+.2f}。",
    "transformer.nat_vs_at.headline": "每个来源都有两种正确的翻译。采样时，自回归解码器有 {a:.2f} 的输出是其中之一；非自回归解码器各自独立地选 3 个 token，"
                                      "只有 {n:.2f}（把两种翻译各取一半混在一起）。它只需要 1 次解码而不是 4 次（{k} 个来源：{tn:.0f} ms 对 {ta:.0f} ms）。",
    "transformer.speaker_id.headline": "{k} 位语者，每段 8–40 个带强噪声的帧：有填充遮罩时编码器的正确率 {a:.2f}，多加 20 个填充帧只让它的 logits "
                                       "改变 {s:.1e}；没有遮罩时 {b:.2f}，而填充让 logits 改变 {t:.2f}。",
    # Lecture 6 — recurrent networks
    "lecture.cnn": "第 4 讲 — 卷积神经网络（CNN）：感受野（receptive field）、参数共享、从 LeNet 到 ResNet 与 MobileNet",
    "cnn.receptive_field.question": "CNN 深层的一个神经元能看到图像的多大范围？步长（stride）与空洞（dilation）怎么让它比只加深更快地变大？",
    "cnn.receptive_field.headline": "{L} 层 {k}×{k} 滤波器之后，中心神经元在步长 1 时看到 {a} 个像素，步长 2 时 {b} 个，空洞为 1、2、4…时 "
                                    "{c} 个；用梯度量出来的结果在每一层都{verdict}公式。",
    "cnn.receptive_field.agrees": "符合",
    "cnn.receptive_field.disagrees": "不符合",
    "cnn.receptive_field.title": "中心神经元的感受野（{k}×{k} 滤波器；虚线：公式）",
    "cnn.receptive_field.pixels": "看到的输入像素（单一方向）",
    "cnn.layers": "层数",
    "cnn.fc": "全连接",
    "cnn.fc_vs_cnn.question": "为什么图像不用全连接网络？参数一样多时，CNN 看得更多吗？",
    "cnn.fc_vs_cnn.headline": "用 {p:,} 个参数，全连接网络只养得起 {h} 个隐藏神经元，测试准确率 {a:.3f}；CNN（{q:,} 个参数）"
                              "达到 {b:.3f}（{d:+.3f}）。光是在 100×100 的彩色图像上接一层 1,000 个神经元的全连接层，"
                              "就要 30,000,000 个权重。",
    "cnn.fc_vs_cnn.title": "参数预算相同时的测试准确率",
    "cnn.two_3x3_vs_5x5.question": "VGG 的做法：两层 3×3 卷积叠起来，能不能跟一层 5×5 一样好——同样的视野、更少的权重？",
    "cnn.two_3x3_vs_5x5.headline": "两者都看到 {r}×{r} 的窗口（实测）；C → C 的一段，两层 3×3 有 {a:,} 个权重，一层 5×5 有 "
                                   "{b:,} 个（{ratio:.0%}）；3×3 网络的准确率{verdict} 5×5 网络（测试准确率 {x:.3f} 对 {y:.3f}）。",
    "cnn.two_3x3_vs_5x5.same": "相当于",
    "cnn.two_3x3_vs_5x5.better": "高于",
    "cnn.two_3x3_vs_5x5.worse": "低于",
    "cnn.two_3x3_vs_5x5.title": "测试准确率（两者的感受野都是 5）",
    "cnn.lenet5.question": "第一个 CNN——LeNet-5：1998 年的设计在 Fashion-MNIST 上表现如何？第一层的滤波器长什么样？",
    "cnn.lenet5.headline": "LeNet-5（{p:,} 个参数）在 {n:,} 张图像上训练 {e} 个 epoch，用 {s:.0f} 秒，测试准确率 {a:.3f}；{when}。",
    "cnn.lenet5.reached": "第 {r} 个 epoch 之后超过 89%",
    "cnn.lenet5.not_reached": "这次没有达到 89%",
    "cnn.lenet5.title": "Fashion-MNIST 每个 epoch 的测试准确率",
    "cnn.lenet5.filters": "第一层的六个 5×5 滤波器",
    "cnn.model_zoo.question": "CNN 家族：从 AlexNet 到 MobileNet，各需要多少参数、多少运算、每张图像多少时间？",
    "cnn.model_zoo.headline": "在 {s}×{s}：{most_m} 运算最多（{mm:.2f} GMACs，这里每张图像 {mt:.0f} 毫秒），{least_m} 最少"
                              "（{lm:.3f} GMACs，{lt:.0f} 毫秒）；{most_p} 参数最多（{mp:.1f} M）。",
    "cnn.residual.question": "退化问题（degradation）：为什么更深的普通网络的*训练*损失反而可能更高？残差连接怎么解决？",
    "cnn.residual.headline": "训练 {e} 个 epoch 后的训练损失：普通 {a} 层 {ps:.3f}，普通 {b} 层 {pd:.3f}（{deg}）；残差 {a} 层 "
                             "{rs:.3f}，残差 {b} 层 {rd:.3f}。",
    "cnn.residual.degraded": "更深的普通网络连自己的训练数据都拟合得更差",
    "cnn.residual.not_degraded": "这次没有出现退化",
    "cnn.residual.title": "每个 epoch 的训练损失（越低拟合得越好）",
    "cnn.depthwise_separable.question": "MobileNet 的深度可分离卷积（depthwise separable convolution）省下多少权重与乘法？准确率付出什么代价？",
    "cnn.depthwise_separable.headline": "C → C 的卷积（C = {c}）用标准 3×3 卷积需要 {ws:,} 个权重、每张图像 {ms:.2f} M 次乘加；"
                                        "用深度可分离卷积只要 {wd:,} 个与 {md:.2f} M（{r:.0%}；1/C + 1/9 = {f:.0%}）；测试准确率 "
                                        "{a:.3f} 对 {b:.3f}。",
    "cnn.depthwise_separable.title": "测试准确率",
    "cnn.pooling.question": "最大池化（max pooling）为 CNN 带来什么：省下多少运算？准确率付出什么？能不能容忍小的平移？",
    "cnn.pooling.headline": "有最大池化时，网络每张图像需要 {pm:.2f} M 次乘加，没有时 {qm:.2f} M（{r:.0%}）；测试准确率 {pa:.3f} 对 "
                            "{qa:.3f}。把测试图像平移 {d} 个像素，有池化的网络少了 {dp:.3f}，没有的少了 {dq:.3f}（{verdict}）。",
    "cnn.pooling.tolerant": "池化更能容忍平移",
    "cnn.pooling.not_tolerant": "这次池化没有更能容忍平移",
    "cnn.pooling.plain": "测试图像",
    "cnn.pooling.shifted": "平移 {d} 个像素",
    "cnn.pooling.title": "测试准确率",
    "cnn.board_game.question": "AlphaGo 的网络没有池化：在棋盘上，丢掉确切的位置会有什么损失？",
    "cnn.board_game.headline": "在 {s}×{s} 的棋盘上指出被黑子围住的空点：没有池化的全卷积网络在 {a:.1%} 的测试棋盘上指对"
                               "（{pa:,} 个参数），有 2×2 池化的网络只有 {b:.1%}（{pb:,} 个参数）。",
    "cnn.board_game.title": "在 {s}×{s} 的棋盘上找出被围住的点（测试准确率）",
    "cnn.augmentation.question": "只有几百张训练图像：数据增强（平移、镜像的副本）能让 CNN 应付同样会变化的测试图像吗？",
    "cnn.augmentation.headline": "用 {n} 张训练图像：不增强时训练/测试准确率 {at:.3f}/{ae:.3f}；随机平移（±{s} 像素）加镜像时 "
                                 "{bt:.3f}/{be:.3f}。在平移并镜像过的测试图像上：不增强 {av:.3f}，增强 {bv:.3f}。",
    "cnn.augmentation.title": "每个 epoch 的测试准确率，{n} 张训练图像",
    "cnn.spatial_transformer.question": "旋转、缩放、平移过的衣物：空间变换网络（spatial transformer）能不能在 CNN 分类之前学会把它们摆正——而从来没人告诉它图像是怎么变形的？",
    "cnn.spatial_transformer.headline": "在旋转最多 ±{r:.0f}°、缩放并平移过的衣物上：单独的 CNN 测试准确率 {a:.3f}，同样的 CNN 接在空间变换网络后面 "
                                        "{b:.3f}（{d:+.1f} 个百分点）。",
    "cnn.spatial_transformer.shown": "变形的测试图像（上）与空间变换网络交给分类器的图像（下）",
    "cnn.spatial_transformer.title": "变形图像上的测试准确率",
    "cnn.bottleneck_1x1.question": "GoogLeNet 的 1×1 卷积：在 3×3 卷积之前先减少通道，能省下多少？代价是什么？",
    "cnn.bottleneck_1x1.headline": "{c} 个通道的中间一段：直接用 3×3 需要 {wa:,} 个权重、每张图像 {ma:.2f} M 次乘加；先用 1×1 降到 "
                                   "{r} 个通道则是 {wb:,} 个与 {mb:.2f} M（{ratio:.0%}）；测试准确率 {x:.3f} 对 {y:.3f}。",
    "cnn.bottleneck_1x1.title": "测试准确率",
    "cnn.model_zoo.params_title": "参数量（百万）",
    "cnn.model_zoo.millions": "百万",
    "cnn.model_zoo.macs_title": "一张 {s}×{s} 图像的运算量与时间",
    "cnn.model_zoo.ms": "毫秒（chainrule，这台 CPU）",
    "lecture.detection": "第 5 讲 — 目标检测（object detection）：IoU、非极大值抑制（NMS）、YOLO 与 mAP",
    "detection.iou_nms.question": "检测器会为每个物体提出许多互相重叠的框：非极大值抑制（NMS）怎么只留下每个物体一个框？IoU 阈值决定了什么？",
    "detection.iou_nms.headline": "{n} 个物体、{c} 个候选框：IoU 阈值 {t} 时 NMS 留下 {k} 个（{verdict}）；阈值 {hi} 时留下 {khi} 个。",
    "detection.iou_nms.one_each": "每个物体一个",
    "detection.iou_nms.not_one_each": "这次不是每个物体一个",
    "detection.iou_nms.before": "{n} 个候选框",
    "detection.iou_nms.after": "IoU {t} 的 NMS 之后",
    "detection.iou_nms.kept": "留下的框",
    "detection.iou_nms.sweep": "留下的框数与 IoU 阈值（{n} 个物体）",
    "detection.iou_nms.threshold": "IoU 阈值",
    "detection.iou_nms.count": "框数",
    "detection.tiny_yolo.question": "YOLO：一次 CNN 前向、回归出 S×S 网格上的框，能不能找出并分类图中每个形状？mAP@0.5 有多好、多快？",
    "detection.tiny_yolo.headline": "训练 {e} 个 epoch（{s:.0f} 秒）后，小 YOLO 在 {n} 张验证图像上的 mAP@0.5 = {m:.3f}（AP：圆 {a0:.2f}、"
                                    "正方形 {a1:.2f}、三角形 {a2:.2f}）；{when}。一张图像只要 {ms:.1f} 毫秒。",
    "detection.tiny_yolo.reached": "第 {r} 个 epoch 之后超过 0.7",
    "detection.tiny_yolo.not_reached": "没有达到 0.7",
    "detection.tiny_yolo.shown": "验证图像：分数高于 0.3 的检测（红：圆，绿：正方形，蓝：三角形）",
    "detection.two_stage_vs_one_stage.question": "R-CNN 还是 YOLO：先提出候选区域再逐一分类，还是一次预测所有框——在这里哪个更准、哪个更快？",
    "detection.two_stage": "两阶段（R-CNN 式）",
    "detection.one_stage": "单阶段（YOLO）",
    "detection.two_stage.title": "每张图像的时间（两阶段检测器有 {w} 个候选区域）",
    "detection.two_stage.ms": "每张图像的毫秒数",
    "detection.two_stage.headline": "在 {n} 张验证图像上：两阶段检测器（每张图像 {w} 个候选区域）mAP@0.5 = {a:.3f}，每张 {ta:.1f} 毫秒；"
                                    "YOLO {b:.3f}，{tb:.1f} 毫秒——快 {ratio:.0f} 倍。",
    "detection.tiny_yolo.curve": "每个 epoch 的验证 mAP@0.5",
    "lecture.rnn": "第 6 讲 — 循环神经网络（RNN）：记忆、LSTM 与 GRU、梯度裁剪、CTC、HMM",
    "rnn.slot_filling.question": "槽位填充（slot filling）：“Taipei”是目的地还是出发地？一次只读一个词的网络分得出来吗？有记忆的网络呢？",
    "rnn.bidirectional.question": "决定标签的词出现在它之后时，再从后往前读一遍有帮助吗？",
    "rnn.vanishing_gradients.question": "梯度在普通 RNN、GRU 与 LSTM 里怎么沿时间往回传？",
    "rnn.clipping.question": "为什么 RNN 的误差曲面这么崎岖？梯度裁剪（gradient clipping）能做什么？",
    "rnn.ctc.question": "输入是一串帧、输出是更短的标签序列，而且没人告诉你哪一帧对应哪个标签：CTC 怎么训练识别器？",
    "rnn.hmm_vs_rnn.question": "词性标注式的任务：RNN 标注器与过去语音、语言处理所用的隐马尔可夫模型（HMM）相比如何？",
    "rnn.elman_vs_jordan.question": "Elman 还是 Jordan：回传的是隐藏状态还是输出，有差别吗？",
    "rnn.long_memory.question": "LSTM 能记住 20 步之前看到的东西，而普通 RNN 不能吗？它的门（gate）在做什么？",
    "rnn.long_memory.headline": "回想 {L} 个 token 中的第一个：普通 RNN {r:.2f}，LSTM {l:.2f}，GRU {g:.2f}。训练好的 LSTM 里，"
                                "有一个记忆单元在最后一步时，第一个 token 是 0 或 1 仍相差 {d:.2f}；一路上它的遗忘门（forget gate）平均为 {f:.2f}。",
    "rnn.one_hot_vs_embedding.question": "把词表示成 one-hot 向量还是学出来的词嵌入（embedding）：嵌入学到了什么？",
    "rnn.one_hot_vs_embedding.headline": "城市标签：one-hot {a:.2f}，嵌入 {b:.2f}。one-hot 向量两两正交（余弦 0）；"
                                         "学出来的城市向量彼此平均余弦 {w:.2f}，与填充词之间 {x:.2f}",
    "rnn.one_hot_vs_embedding.grouped": "：光靠这个标注任务，嵌入就学会了哪些词扮演同样的角色。",
    "rnn.one_hot_vs_embedding.not_grouped": "：这次没有分开。",
    "rnn.seq2seq.question": "序列到序列：没告诉输出有多长时，解码器怎么知道何时停下？",
    "rnn.seq2seq.headline": "反转 2–6 个数字、不给长度：解码器靠输出结束符号（EOS），让 {r:.0%} 的输出长度正确，{e:.0%} 完全反转正确。",
    "rnn.char_lm.question": "以詹姆士王钦定本圣经训练字符级语言模型：截断的沿时间反向传播（truncated BPTT）怎么在远比任何一次反向传播都长的文本上训练 RNN？",
    "rnn.char_lm.headline": "在没见过的文本上，状态跨 {k} 个字符的片段延续时，LSTM 每个字符需要 {c:.2f} 比特（只看字母频率：{u:.2f}）；"
                            "每个片段都重置状态：{r:.2f}。生成的样本：“{s}”",
    "rnn.many_to_one.question": "多对一：整句进、一个情感标签出——按顺序读比词袋（bag of words）多了什么？",
    "rnn.slot_filling.headline": "城市的标签取决于句子前面的动词：一次只读一个词，城市的正确率是 {a:.2f}（目的地与出发地之间抛硬币）；"
                                 "RNN 的记忆把动词带到城市，正确率 {b:.2f}。",
    "rnn.bidirectional.headline": "动词在城市之后时，单向 RNN 给城市标对的比例是 {a:.2f}（它还没读到动词）；双向 RNN {b:.2f}。",
    "rnn.vanishing_gradients.headline": "从 {L} 步的最后一步往回传到第一步，梯度在普通 RNN 里缩小到原来的 {r:.1e}，在 GRU 里 {g:.1e}，"
                                        "在 LSTM 里 {l:.1e}。",
    "rnn.clipping.headline": "从 y = w^{p} 的悬崖上 w = 1.015（损失 {s:.3g}）出发，梯度是 {g:.0f}：普通梯度下降（η = {lr}）一步就把 "
                             "w 甩到 {j:.2f}，最后损失 {a:.3g}；",
    "rnn.clipping.walks": "同样的步数、梯度裁剪到 {c}，就沿着悬崖走下来，最后损失 {b:.3g}。",
    "rnn.clipping.too_long": "裁剪到 {c} 后，每一步（η·{c} 长）在这里仍然太长：损失 {b:.3g}。",
    "rnn.ctc.headline": "只用标签序列训练（没有逐帧标签），识别器把 200 段没见过的语音完全正确地转写了 {e:.0%}；损失从 {a:.2f} 降到 {b:.2f}。",
    "rnn.hmm_vs_rnn.headline": "标注由 HMM 生成的序列：用生成它的模型做 Viterbi {t:.3f}，从 {n} 条已标注序列计数得到的 HMM {c:.3f}，"
                               "用同样资料训练的双向 GRU {g:.3f}。",
    "rnn.elman_vs_jordan.headline": "动词之后的城市标签：Elman {e:.2f}，Jordan {j:.2f}——",
    "rnn.elman_vs_jordan.both": "两者都把动词带到了城市。",
    "rnn.elman_vs_jordan.jordan_short": "这次 Jordan 网络的输出没能带住动词。",
    "rnn.elman_vs_jordan.close": "两者结果接近。",
    "rnn.many_to_one.headline": "“not”会翻转下一个词的句子：把词向量取平均只有 {b:.2f}；按顺序读的 GRU 达到 {g:.2f}。",
    # Lecture 9 — self-supervised learning
    "lecture.selfsupervised": "第 9 讲 — 自监督学习（self-supervised learning）：GPT、BERT、微调与提示（prompting）、适配器（adapter）",
    "selfsupervised.char_gpt.question": "文本自己就是标注：只学“预测下一个字符”的 GPT 能把莎士比亚的语言学到什么程度？采样温度（temperature）有什么作用？",
    "selfsupervised.char_gpt.headline": "训练 {n} 步（{s:.0f} 秒）之后，验证损失是每字符 {v:.3f} nats（{b:.2f} bits）；只用字符频率是 {u:.2f}，二元组表（bigram）是 {g:.2f}。"
                                        "温度 τ = {lo} 采样时 {rl:.0%} 是真实的词，τ = {hi} 时只有 {rh:.0%}。",
    "selfsupervised.char_gpt.val": "GPT（验证集）",
    "selfsupervised.char_gpt.unigram": "字符频率",
    "selfsupervised.char_gpt.bigram": "二元组表",
    "selfsupervised.char_gpt.title": "在没见过的莎士比亚文本上预测下一个字符的损失",
    "selfsupervised.char_gpt.loss": "交叉熵（每字符 nats）",
    "selfsupervised.char_gpt.real_title": "采样出的词中真实单词的比例",
    "selfsupervised.char_gpt.fraction": "比例",
    "selfsupervised.iteration": "迭代次数",
    "selfsupervised.step": "步数",
    "selfsupervised.loss": "交叉熵（nats）",
    "selfsupervised.accuracy": "准确率",
    "selfsupervised.bert_mlm.question": "没有人标注，模型能从文本学到语言吗？——把词盖住，再让它猜回来。",
    "selfsupervised.bert_mlm.headline": "{n} 步（{s:.0f} 秒）之后，BERT 在没见过的台词中猜对 {m:.1%} 被遮住的词片（总是回答最常见的 token：{f:.1%}）；"
                                        "损失从 {l0:.2f} 变为 {l1:.2f} nats，{side} token 频率的熵 {e:.2f}。",
    "selfsupervised.bert_mlm.below": "低于",
    "selfsupervised.bert_mlm.above": "仍高于",
    "selfsupervised.bert_mlm.mlm": "遮罩词损失",
    "selfsupervised.bert_mlm.unigram": "token 频率（熵）",
    "selfsupervised.bert_mlm.title": "在剧本上预训练 BERT（没有标注）",
    "selfsupervised.bert_mlm.bert_masked": "BERT",
    "selfsupervised.bert_mlm.freq": "最常见的 token",
    "selfsupervised.bert_mlm.acc_title": "猜对的遮罩词片（留出的台词）",
    "selfsupervised.pretrain_vs_scratch.question": "预训练（pre-training）对四类下游任务都有帮助吗？标注数据越少帮助越大吗？",
    "selfsupervised.pretrain_vs_scratch.headline": "预训练过的 BERT 比同一个模型从零训练平均高出（微调 {steps} 步）：{lo} 个标注样本时 {glo:+.3f}，"
                                                   "{hi} 个时 {ghi:+.3f}；按任务：{tasks}。在 {total} 个（任务, 样本数）组合中预训练赢了 {w} 个。",
    "selfsupervised.pretrained": "预训练后微调",
    "selfsupervised.scratch": "从零训练",
    "selfsupervised.labelled": "标注样本数",
    "selfsupervised.task.sentence": "整行：词序是原样的吗",
    "selfsupervised.task.token": "逐 token：哪个词被换过",
    "selfsupervised.task.pair": "句子对：B 接着 A 吗",
    "selfsupervised.task.qa": "问答：某词之后的词",
    "selfsupervised.score.accuracy": "准确率",
    "selfsupervised.score.F1": "F1",
    "selfsupervised.score.exact match": "完全匹配率",
    "selfsupervised.adapters.question": "微调一定要改动每一个权重吗？BitFit、adapter、adapter bias、prefix tuning 与 LoRA 只训练一小部分参数，能接近多少？",
    "selfsupervised.adapters.headline": "完整微调训练 {full:,} 个参数，得分 {fs:.3f}；参数高效的方法只训练其中 {lo:.1%}–{hi:.1%}，得分 {ws:.3f}（{worst}）到 "
                                        "{bs:.3f}（{best}）；冻结的特征上只训练输出头得 {hs:.3f}。",
    "selfsupervised.adapters.title": "{task}：冻结的 BERT 加上一小部分参数",
    "selfsupervised.lora_merge.question": "LoRA 在推理时有额外代价吗？把 B A 并入 W 必须给出相同的输出。",
    "selfsupervised.lora_merge.headline": "合并与未合并的 LoRA 给出的 logits 最多相差 {d:.1e}；推理时合并后 {m:.1f} 毫秒，未合并 {u:.1f} 毫秒"
                                          "（没有 LoRA 的模型 {b:.1f} 毫秒）；取消合并后 W 恢复到误差 {r:.1e} 以内。",
    "selfsupervised.lora_merge.unmerged": "LoRA 未合并",
    "selfsupervised.lora_merge.merged": "LoRA 已合并",
    "selfsupervised.lora_merge.plain": "没有 LoRA",
    "selfsupervised.lora_merge.title": "256 个样本的推理时间",
    "selfsupervised.in_context.question": "GPT 能只从提示（prompt）里的几个例子学会一个从没见过的任务吗？——不做任何梯度更新。",
    "selfsupervised.in_context.headline": "在 {n} 个从没训练过的排列上，没有例子时 GPT 答对 {a0:.0%}（随机猜 {c:.0%}），看了 {k} 个例子后答对 {ak:.0%}，"
                                          "而最好可能是 {bk:.0%}；没有任何权重改变（在另外 {t} 个任务上训练用了 {s:.0f} 秒）。",
    "selfsupervised.in_context.new": "新任务（从未训练过）",
    "selfsupervised.in_context.old": "训练过的任务",
    "selfsupervised.in_context.best": "最好可能",
    "selfsupervised.in_context.chance": "随机猜",
    "selfsupervised.in_context.title": "根据提示中的例子作答",
    "selfsupervised.in_context.examples": "提示中的例子数",
    "selfsupervised.finetune_vs_prompt.question": "遇到新任务：为每个任务微调一份模型，还是把任务的例子写进提示？",
    "selfsupervised.finetune_vs_prompt.headline": "同一个新任务的 {k} 个例子：微调一份拷贝（{steps} 步，{t:.2f} 秒，每个任务要存 {p:,} 个参数）答对 "
                                                  "{ft:.0%} 的问题，提示不变的 GPT 答对 {pr:.0%}（最好可能 {b:.0%}），每个任务什么都不用存。",
    "selfsupervised.finetune_vs_prompt.fine-tuning": "微调",
    "selfsupervised.finetune_vs_prompt.prompting": "提示",
    "selfsupervised.finetune_vs_prompt.best possible": "最好可能",
    "selfsupervised.finetune_vs_prompt.title": "从 k 个例子学一个新任务",
    "selfsupervised.finetune_vs_prompt.shots": "例子数 k",
}
