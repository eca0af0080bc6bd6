# kaohe — 一条命令完成环境准备：首次运行时自动创建 .venv 并安装依赖。
# Windows 上没有 make：同样的两项工作见 README「在 Windows 上」。
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
YEAR ?= 2019
WORKSPACE ?= 示例工作区

.PHONY: sample test validate bench clean-venv

# 主任务：在示例工作区（首次运行时用 kaohe init --sample 新建）对 2019 示例年度计分并生成报告
sample: $(VENV)/.installed
	test -d "$(WORKSPACE)" || $(BIN)/kaohe init --sample "$(WORKSPACE)"
	cd "$(WORKSPACE)" && "$(CURDIR)/$(BIN)/kaohe" run $(YEAR)

# 运行全部测试
test: $(VENV)/.installed
	$(BIN)/python -m pytest

# 性能基准：打印 kaohe validate / score / run / feedback 的用时、内存及与下限之比
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_feedback.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_widgets.py

validate: $(VENV)/.installed
	test -d "$(WORKSPACE)" || $(BIN)/kaohe init --sample "$(WORKSPACE)"
	cd "$(WORKSPACE)" && "$(CURDIR)/$(BIN)/kaohe" validate $(YEAR)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

clean-venv:
	rm -rf $(VENV)
